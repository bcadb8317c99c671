using System.Security.Cryptography.X509Certificates;

namespace HealthPlatform.ServiceDefaults.Security;

/// <summary>One consistent set: the service's certificate (with key), the CA certificates it trusts, and a change stamp.</summary>
public sealed record CertificateMaterial(X509Certificate2 Certificate, X509Certificate2Collection Authorities, string Stamp);
