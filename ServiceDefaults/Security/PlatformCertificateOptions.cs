namespace HealthPlatform.ServiceDefaults.Security;

/// <summary>
/// Where the service's own certificate lives: a folder with <c>tls.crt</c>, <c>tls.key</c> and
/// <c>ca.crt</c> (the platform CA), as a Kubernetes TLS secret from cert-manager is mounted.
/// </summary>
public sealed class PlatformCertificateOptions
{
    public const string SectionName = "Certificates";

    public string? Directory { get; set; }

    /// <summary>How often the files are checked for a new certificate (rotation without restart).</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(30);
}
