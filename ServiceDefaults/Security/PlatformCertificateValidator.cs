using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace HealthPlatform.ServiceDefaults.Security;

/// <summary>
/// Decides whether a peer certificate proves a platform identity: it must chain to the platform
/// CA (not to the machine's trust store), be valid now, carry the right extended key usage, and
/// name exactly one <c>spiffe://healthplatform/…</c> identity. Refusals are logged with the
/// certificate's subject, issuer, thumbprint and the reason; never with key material.
/// </summary>
public sealed partial class PlatformCertificateValidator(PlatformCertificates certificates, TimeProvider time, ILogger<PlatformCertificateValidator> logger)
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <summary>A caller's certificate: returns its service name, or null when refused.</summary>
    public string? ValidateClient(X509Certificate2? certificate) => Validate(certificate, ClientAuthentication, expectedService: null);

    /// <summary>
    /// A client app's certificate on the public listener: well-formed and valid now. It proves
    /// nothing by itself; it matters only when a token is bound to it (RFC 8705), which token
    /// validation checks. Apps may use self-signed certificates, so no CA is required here.
    /// </summary>
    public bool ValidatePublicClient(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (certificate.NotBefore.ToUniversalTime() <= now && now <= certificate.NotAfter.ToUniversalTime())
        {
            return true;
        }

        LogRefused(logger, certificate.Subject, certificate.Issuer, certificate.Thumbprint, "not valid at this time");
        return false;
    }

    /// <summary>A callee's certificate: accepted only if it proves to be <paramref name="expectedService"/>.</summary>
    public bool ValidateServer(X509Certificate2? certificate, string expectedService) =>
        Validate(certificate, ServerAuthentication, expectedService) is not null;

    private string? Validate(X509Certificate2? certificate, string usage, string? expectedService)
    {
        if (certificate is null)
        {
            LogRefused(logger, "(none)", "(none)", "(none)", "no certificate presented");
            return null;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(certificates.Current.Authorities);
        // Development and cert-manager certificates are short-lived and rotated; no CRL/OCSP is published.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Never fetch what a peer's certificate points to (AIA, CRL URLs): a stranger could make
        // this service call any address, or stall the handshake.
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(usage));
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;

        string? reason = null;
        if (!chain.Build(certificate))
        {
            reason = "chain: " + string.Join(", ", chain.ChainStatus.Select(status => status.Status));
        }

        var service = reason is null ? ServiceIdentity.FromCertificate(certificate) : null;
        if (reason is null && service is null)
        {
            reason = "no single spiffe://healthplatform/ identity in its SAN";
        }

        if (reason is null && expectedService is not null && !string.Equals(service, expectedService, StringComparison.Ordinal))
        {
            reason = $"identity is '{service}', expected '{expectedService}'";
        }

        if (reason is not null)
        {
            LogRefused(logger, certificate.Subject, certificate.Issuer, certificate.Thumbprint, reason);
            return null;
        }

        return service;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Certificate refused: subject {Subject}, issuer {Issuer}, thumbprint {Thumbprint}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string subject, string issuer, string thumbprint, string reason);
}
