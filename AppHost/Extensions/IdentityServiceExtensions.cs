using System.Security.Cryptography;
using HealthPlatform.LocalInfrastructure;
using HealthPlatform.ServiceDefaults;
using Microsoft.Extensions.Hosting;

namespace HealthPlatform.AppHost.Extensions;

internal static class IdentityServiceExtensions
{
    /// <summary>The development port of identity's mTLS listener (README port table).</summary>
    public const int MtlsPort = 5011;

    /// <summary>
    /// The identity service's issuer (its public endpoint), its mTLS listener, where the demo
    /// clients' credentials go (DEV ONLY, <c>.dev/clients</c>) and, DEV ONLY, the key that protects its
    /// signing keys at rest: generated once into the development folder (owner-only, never
    /// committed) and kept, because the database keeps the keys it encrypted. Elsewhere mount it as
    /// a secret (<c>Identity__SigningKeys__ProtectionKey</c>).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAuthorizationServer(this IResourceBuilder<ProjectResource> identity, DevelopmentPki pki)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(pki);
        if (!identity.ApplicationBuilder.Environment.IsDevelopment())
        {
            throw new InvalidOperationException("The generated signing-key protection key is for Development only; mount Identity__SigningKeys__ProtectionKey from a secret elsewhere.");
        }

        var keyFile = Path.Combine(pki.RootDirectory, "identity-signing-protection.key");
        if (!File.Exists(keyFile))
        {
            Secrets.WriteOwnerOnly(keyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }

        // Client apps' mTLS listener (RFC 8705 endpoint aliases): a port of its own, where a client
        // certificate is required during the handshake.
        identity.WithHttpsEndpoint(port: MtlsPort, name: ResourceNames.Endpoints.Mtls, env: "Endpoints__MtlsPort");
        return identity
            .WithEnvironment("Identity__Issuer", identity.GetEndpoint(ResourceNames.Endpoints.Public))
            .WithEnvironment("Identity__MtlsBaseUri", identity.GetEndpoint(ResourceNames.Endpoints.Mtls))
            // The demo clients' generated secret and key, beside the development PKI (never in git).
            .WithEnvironment("Identity__DevelopmentSeed__Directory", Path.Combine(Path.GetDirectoryName(pki.RootDirectory)!, "clients"))
            .WithEnvironment("Identity__DevelopmentSeed__PkiDirectory", pki.RootDirectory)
            .WithEnvironment("Identity__SigningKeys__ProtectionKey", File.ReadAllText(keyFile).Trim());
    }

    /// <summary>
    /// The service accepts access tokens from <paramref name="identity"/>: its issuer as the
    /// authority, and its internal endpoint (service discovery) for the revocation list.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithTokenValidation(this IResourceBuilder<ProjectResource> service, IResourceBuilder<ProjectResource> identity)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(identity);
        return service
            .WithEnvironment("TokenValidation__Authority", identity.GetEndpoint(ResourceNames.Endpoints.Public))
            .WithReference(identity);
    }

    /// <summary>The FHIR base URLs (<c>{public endpoint}/fhir</c>) SMART apps may name as <c>aud</c>.</summary>
    public static IResourceBuilder<ProjectResource> WithFhirBases(this IResourceBuilder<ProjectResource> identity, params IResourceBuilder<ProjectResource>[] fhirServices)
    {
        ArgumentNullException.ThrowIfNull(identity);
        for (var i = 0; i < fhirServices.Length; i++)
        {
            var endpoint = fhirServices[i].GetEndpoint(ResourceNames.Endpoints.Public);
            identity.WithEnvironment($"Identity__FhirBaseUrls__{i}", ReferenceExpression.Create($"{endpoint}/fhir"));
        }

        return identity;
    }
}
