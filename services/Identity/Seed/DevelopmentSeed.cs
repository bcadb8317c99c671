using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HealthPlatform.Identity.Clients;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Seed;

/// <summary>
/// DEV ONLY: registers (or brings up to date) the demo clients of <see cref="DevelopmentSeedOptions"/>
/// once the database is migrated. A confidential client's secret and a <c>private_key_jwt</c>
/// client's key are generated on first use into the development folder and kept, so the README's
/// snippets work across restarts.
/// </summary>
public sealed partial class DevelopmentSeed(
    IServiceScopeFactory scopes,
    DatabaseInitializer<IdentityDbContext> database,
    IOptions<DevelopmentSeedOptions> options,
    ILogger<DevelopmentSeed> logger) : BackgroundService
{
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once every demo client is registered.</summary>
    public Task Completed => _completed.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await database.Completed.WaitAsync(stoppingToken);
            await using var scope = scopes.CreateAsyncScope();
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            foreach (var (clientId, client) in options.Value.Clients)
            {
                var descriptor = Describe(clientId, client);
                if (await applications.FindByClientIdAsync(clientId, stoppingToken) is { } existing)
                {
                    await applications.UpdateAsync(existing, descriptor, stoppingToken);
                }
                else
                {
                    await applications.CreateAsync(descriptor, stoppingToken);
                }
            }

            LogSeeded(logger, options.Value.Clients.Count);
            _completed.TrySetResult();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(logger, ex.GetType().Name, ex.Message);
            _completed.TrySetException(ex);
        }
    }

    private OpenIddictApplicationDescriptor Describe(string clientId, SeedClient client)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            DisplayName = clientId,
            ClientType = client.Authentication == SeedClientAuthentication.None ? ClientTypes.Public : ClientTypes.Confidential,
            Permissions = { Permissions.Endpoints.Token },
        };
        foreach (var grant in client.GrantTypes)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.GrantType + grant);
        }

        if (client.GrantTypes.Contains(GrantTypes.AuthorizationCode))
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Authorization, Permissions.Endpoints.EndSession, Permissions.ResponseTypes.Code]);
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }

        if (client.Authentication != SeedClientAuthentication.None)
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Introspection, Permissions.Endpoints.Revocation]);
        }

        descriptor.Permissions.UnionWith(client.Scopes.Select(scope => Permissions.Prefixes.Scope + scope));
        descriptor.RedirectUris.UnionWith(client.RedirectUris);
        descriptor.PostLogoutRedirectUris.UnionWith(client.PostLogoutRedirectUris);

        switch (client.Authentication)
        {
            case SeedClientAuthentication.ClientSecret:
                descriptor.ClientSecret = Credential(clientId + ".secret", () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
                break;
            case SeedClientAuthentication.PrivateKeyJwt:
                using (var key = ECDsa.Create())
                {
                    key.ImportFromPem(Credential(clientId + ".key", NewSigningKey));
                    descriptor.JsonWebKeySet = new JsonWebKeySet { Keys = { PublicKey(key) } };
                }

                break;
            case SeedClientAuthentication.TlsClientAuth:
                var identity = client.CertificateIdentity ?? throw new InvalidOperationException($"Seed client {clientId}: CertificateIdentity is required for tls_client_auth.");
                descriptor.Settings[ClientSettings.TlsClientAuthSanUri] = $"spiffe://{ServiceIdentity.TrustDomain}/{identity}";
                using (var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Folder(options.Value.PkiDirectory, "PkiDirectory"), identity, "tls.crt")))
                using (var key = certificate.GetECDsaPublicKey() ?? throw new InvalidOperationException($"Seed client {clientId}: the certificate has no EC key."))
                {
                    // OpenIddict wants a signing key on a confidential client without a secret; the
                    // certificate's key is the one the client holds.
                    descriptor.JsonWebKeySet = new JsonWebKeySet { Keys = { PublicKey(key) } };
                }

                break;
        }

        return descriptor;
    }

    /// <summary>Reads a generated credential, or creates it owner-only on first use.</summary>
    private string Credential(string fileName, Func<string> create)
    {
        var path = Path.Combine(Folder(options.Value.Directory, "Directory"), fileName);
        if (!File.Exists(path))
        {
            var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            }
            else
            {
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var writer = new StreamWriter(path, file);
            writer.Write(create());
        }

        return File.ReadAllText(path).Trim();
    }

    private static string Folder(string? configured, string setting) =>
        configured is { Length: > 0 } ? configured : throw new InvalidOperationException($"{DevelopmentSeedOptions.SectionName}:{setting} is required for the demo clients' credentials.");

    private static string NewSigningKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        return key.ExportPkcs8PrivateKeyPem();
    }

    private static JsonWebKey PublicKey(ECDsa key)
    {
        var publicKey = new ECDsaSecurityKey(ECDsa.Create(key.ExportParameters(includePrivateParameters: false)));
        var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(publicKey);
        jwk.Use = "sig";
        jwk.Kid = Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
        return jwk;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Development seed: {Count} demo client(s) registered.")]
    private static partial void LogSeeded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Development seed failed ({Error}): {Message}")]
    private static partial void LogFailed(ILogger logger, string error, string message);
}
