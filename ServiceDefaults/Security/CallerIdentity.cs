namespace HealthPlatform.ServiceDefaults.Security;

/// <summary>The caller as an internal endpoint sees it.</summary>
public sealed record CallerIdentity(string Service, string CertificateThumbprint);
