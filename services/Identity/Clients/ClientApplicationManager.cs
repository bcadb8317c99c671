using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using OpenIddict.EntityFrameworkCore.Models;

namespace HealthPlatform.Identity.Clients;

/// <summary>
/// OpenIddict's application manager with the platform's rules for client certificates (RFC 8705):
/// <list type="bullet">
/// <item><c>tls_client_auth</c>: the certificate must chain to the platform CA as it is now (read
/// per request, so a rotated CA applies without a restart) and match the subject the client
/// registered (its SAN URI, <see cref="ClientSettings"/>) — not, as OpenIddict would, the host of a redirect URI,
/// which a backend service does not have.</item>
/// <item><c>self_signed_tls_client_auth</c>: the certificate must be one the client registered in
/// its JSON Web Key Set (<c>x5c</c>), RSA or EC — OpenIddict alone reads only RSA ones.</item>
/// </list>
/// </summary>
internal sealed class ClientApplicationManager(
    IOpenIddictApplicationCache<OpenIddictEntityFrameworkCoreApplication> cache,
    ILogger<OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<OpenIddictEntityFrameworkCoreApplication> store,
    PlatformCertificates certificates,
    TimeProvider time)
    : OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>(cache, logger, options, store)
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    public override ValueTask<X509ChainPolicy?> GetPublicKeyInfrastructureTlsClientAuthenticationPolicyAsync(
        OpenIddictEntityFrameworkCoreApplication application, X509ChainPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var current = policy.Clone();
        current.CustomTrustStore.Clear();
        current.CustomTrustStore.AddRange(certificates.Current.Authorities);
        current.VerificationTime = time.GetUtcNow().UtcDateTime;
        current.VerificationTimeIgnored = false;
        return ValueTask.FromResult<X509ChainPolicy?>(current);
    }

    public override async ValueTask<bool> ValidatePublicKeyInfrastructureTlsClientCertificateAsync(
        OpenIddictEntityFrameworkCoreApplication application, X509Certificate2 certificate, X509ChainPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(policy);
        var settings = await GetSettingsAsync(application, cancellationToken);
        if (!Names(certificate, settings) || !IsForClientAuthentication(certificate))
        {
            return false;
        }

        using var chain = new X509Chain { ChainPolicy = policy };
        try
        {
            return chain.Build(certificate) && chain.ChainElements.Count > 1;
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                element.Certificate.Dispose();
            }
        }
    }

    public override async ValueTask<X509ChainPolicy?> GetSelfSignedTlsClientAuthenticationPolicyAsync(
        OpenIddictEntityFrameworkCoreApplication application, X509ChainPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var current = policy.Clone();
        current.VerificationTime = time.GetUtcNow().UtcDateTime;
        current.VerificationTimeIgnored = false;
        var keys = await GetJsonWebKeySetAsync(application, cancellationToken);
        foreach (var key in keys?.Keys ?? [])
        {
            if (key.Use is null or "" or "sig" && key.X5c.Count > 0 && RegisteredCertificate(key.X5c[0]) is { } registered)
            {
                current.CustomTrustStore.Add(registered);
            }
        }

        return current;
    }

    public override async ValueTask<bool> ValidateSelfSignedTlsClientCertificateAsync(
        OpenIddictEntityFrameworkCoreApplication application, X509Certificate2 certificate, X509ChainPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        try
        {
            return await base.ValidateSelfSignedTlsClientCertificateAsync(application, certificate, policy, cancellationToken);
        }
        finally
        {
            // The trust anchors were read from the client's key set for this request only.
            foreach (var registered in policy.CustomTrustStore.Where(anchor => !ReferenceEquals(anchor, certificate)))
            {
                registered.Dispose();
            }
        }
    }

    /// <summary>
    /// The certificate carries the URI the client registered among its subject alternative names —
    /// the subject DN is free text and is never matched (as for platform identities, ServiceIdentity).
    /// A client that registered no URI cannot authenticate with a certificate.
    /// </summary>
    private static bool Names(X509Certificate2 certificate, ImmutableDictionary<string, string> settings) =>
        settings.TryGetValue(ClientSettings.TlsClientAuthSanUri, out var uri)
        && ServiceIdentity.SanUris(certificate).Contains(uri, StringComparer.Ordinal);

    /// <summary>An explicit clientAuth extended key usage: a chain policy alone lets a certificate without any EKU through.</summary>
    private static bool IsForClientAuthentication(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } usage
        && usage.EnhancedKeyUsages.OfType<Oid>().Any(oid => oid.Value == ClientAuthentication);

    /// <summary>A self-issued client-authentication certificate from a JWK's <c>x5c</c>; null for anything else.</summary>
    private static X509Certificate2? RegisteredCertificate(string encoded)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(encoded));
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return null;
        }

        var selfIssued = certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);
        var clientAuthentication = IsForClientAuthentication(certificate);
        var keyUsage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        var signs = keyUsage is null || keyUsage.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature);
        if (selfIssued && clientAuthentication && signs && !certificate.HasPrivateKey)
        {
            return certificate;
        }

        certificate.Dispose();
        return null;
    }
}
