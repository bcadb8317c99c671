namespace HealthPlatform.Identity.Seed;

/// <summary>
/// DEV ONLY (section <c>Identity:DevelopmentSeed</c>): the demo clients registered at start in
/// Development. Their credentials are generated into <see cref="Directory"/> (owner-only files,
/// outside git), never taken from configuration.
/// </summary>
public sealed class DevelopmentSeedOptions
{
    public const string SectionName = "Identity:DevelopmentSeed";

    /// <summary>Where generated client secrets and keys are kept (the AppHost's <c>.dev/clients</c>).</summary>
    public string? Directory { get; set; }

    /// <summary>The development PKI's folder: <c>tls_client_auth</c> clients register their certificate's key from it.</summary>
    public string? PkiDirectory { get; set; }

    public Dictionary<string, SeedClient> Clients { get; } = new(StringComparer.Ordinal);

    /// <summary>Demo users by user name; all share one generated password (<see cref="PasswordFile"/>).</summary>
    public Dictionary<string, SeedUser> Users { get; } = new(StringComparer.Ordinal);

    /// <summary>The demo users' password file in <see cref="Directory"/>.</summary>
    public const string PasswordFile = "demo-users.password";

    /// <summary>An MFA demo user's authenticator key (base32) in <see cref="Directory"/>: <c>{user}.authenticator</c>.</summary>
    public static string AuthenticatorFile(string userName) => userName + ".authenticator";

    /// <summary>An MFA demo user's recovery codes in <see cref="Directory"/>: <c>{user}.recovery-codes</c>.</summary>
    public static string RecoveryCodesFile(string userName) => userName + ".recovery-codes";
}

public sealed class SeedUser
{
    /// <summary>A platform role (<c>physician</c>, <c>admin</c>, …).</summary>
    public string? Role { get; set; }

    /// <summary>A patient user's own Patient id: their launch context.</summary>
    public string? PatientId { get; set; }

    /// <summary>The FHIR resource the user is (<c>Practitioner/…</c>, <c>Patient/…</c>).</summary>
    public string? FhirUser { get; set; }

    /// <summary>Enrolled with an authenticator at creation (its key kept in the credentials folder).</summary>
    public bool Mfa { get; set; }
}

/// <summary>How a client authenticates at the token endpoint.</summary>
public enum SeedClientAuthentication
{
    /// <summary>A public client (browser or native app): no credential, PKCE instead.</summary>
    None = 1,
    ClientSecret,
    PrivateKeyJwt,
    TlsClientAuth,
}

public sealed class SeedClient
{
    public SeedClientAuthentication Authentication { get; set; } = SeedClientAuthentication.None;

    /// <summary><c>authorization_code</c>, <c>refresh_token</c>, <c>client_credentials</c>.</summary>
    public List<string> GrantTypes { get; } = [];

    public List<Uri> RedirectUris { get; } = [];

    public List<Uri> PostLogoutRedirectUris { get; } = [];

    /// <summary>The client's allowance: SMART scopes it may request.</summary>
    public List<string> Scopes { get; } = [];

    /// <summary>A third-party app: consent screen, and PHI scopes only with a BAA on record (the demo one has none).</summary>
    public bool ThirdParty { get; set; }

    /// <summary>For <see cref="SeedClientAuthentication.TlsClientAuth"/>: the development PKI identity whose certificate it presents.</summary>
    public string? CertificateIdentity { get; set; }
}
