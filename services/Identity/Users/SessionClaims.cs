namespace HealthPlatform.Identity.Users;

/// <summary>How the session says the user authenticated (RFC 8176 <c>amr</c> values, as Identity writes them).</summary>
public static class SessionClaims
{
    public const string AuthenticationMethod = "amr";
    public const string Password = "pwd";
    public const string OneTimePassword = "otp";
    public const string MultiFactor = "mfa";

    /// <summary>When the user signed in (session property, kept across sliding renewals).</summary>
    public const string SignedInAt = "hp.signed-in";
}
