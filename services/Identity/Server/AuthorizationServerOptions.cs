namespace HealthPlatform.Identity.Server;

/// <summary>The authorization server's settings (section <c>Identity</c>).</summary>
public sealed class AuthorizationServerOptions
{
    public const string SectionName = "Identity";

    /// <summary>The issuer URL tokens name and every service validates against (the public endpoint).</summary>
    public Uri? Issuer { get; set; }

    /// <summary>Access tokens are short-lived: revocation by expiry is the backstop.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);
}
