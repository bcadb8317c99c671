using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HealthPlatform.Identity.Clients;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.Identity.Users;
using HealthPlatform.ServiceDefaults.Authorization;
using Microsoft.AspNetCore.Identity;
using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Seed;

/// <summary>
/// DEV ONLY: registers (or brings up to date) the demo clients and users of <see cref="DevelopmentSeedOptions"/>
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

            await SeedUsersAsync(scope.ServiceProvider, stoppingToken);
            LogSeeded(logger, options.Value.Clients.Count, options.Value.Users.Count);
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
        string? secret = null;
        JsonWebKeySet? keys = null;
        string? sanUri = null;
        switch (client.Authentication)
        {
            case SeedClientAuthentication.ClientSecret:
                secret = Credential(clientId + ".secret", () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
                break;
            case SeedClientAuthentication.PrivateKeyJwt:
                using (var key = ECDsa.Create())
                {
                    key.ImportFromPem(Credential(clientId + ".key", NewSigningKey));
                    keys = new JsonWebKeySet { Keys = { PublicKey(key) } };
                }

                break;
            case SeedClientAuthentication.TlsClientAuth:
                var identity = client.CertificateIdentity ?? throw new InvalidOperationException($"Seed client {clientId}: CertificateIdentity is required for tls_client_auth.");
                sanUri = ServiceIdentity.UriOf(identity);
                using (var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Folder(options.Value.PkiDirectory, "PkiDirectory"), identity, "tls.crt")))
                using (var key = certificate.GetECDsaPublicKey() ?? throw new InvalidOperationException($"Seed client {clientId}: the certificate has no EC key."))
                {
                    // OpenIddict wants a signing key on a confidential client without a secret; the
                    // certificate's key is the one the client holds.
                    keys = new JsonWebKeySet { Keys = { PublicKey(key) } };
                }

                break;
        }

        var registration = new ClientRegistration
        {
            ClientId = clientId,
            ClientName = clientId,
            TokenEndpointAuthMethod = client.Authentication switch
            {
                SeedClientAuthentication.ClientSecret => ClientRegistration.ClientSecretBasic,
                SeedClientAuthentication.PrivateKeyJwt => ClientRegistration.PrivateKeyJwt,
                SeedClientAuthentication.TlsClientAuth => ClientRegistration.TlsClientAuth,
                _ => ClientRegistration.None,
            },
            GrantTypeList = client.GrantTypes,
            RedirectUris = [.. client.RedirectUris.Select(uri => uri.AbsoluteUri)],
            PostLogoutRedirectUris = [.. client.PostLogoutRedirectUris.Select(uri => uri.AbsoluteUri)],
            Scope = string.Join(' ', client.Scopes),
            KeySet = keys,
            TlsClientAuthSanUri = sanUri,
            ThirdParty = client.ThirdParty,
        };
        if (registration.Problems() is { Count: > 0 } problems)
        {
            throw new InvalidOperationException($"Seed client {clientId}: " + string.Join("; ", problems.Select(problem => $"{problem.Key}: {string.Join(' ', problem.Value)}")));
        }

        return registration.Describe(secret);
    }

    /// <summary>Reads a generated credential, or creates it owner-only on first use.</summary>
    private string Credential(string fileName, Func<string> create)
    {
        var path = Path.Combine(Folder(options.Value.Directory, "Directory"), fileName);
        if (!File.Exists(path))
        {
            WriteCredential(fileName, create());
        }

        return File.ReadAllText(path).Trim();
    }

    /// <summary>Writes (or replaces) an owner-only file in the credentials folder.</summary>
    private void WriteCredential(string fileName, string content)
    {
        var path = Path.Combine(Folder(options.Value.Directory, "Directory"), fileName);
        var file = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
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
        writer.Write(content);
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

    /// <summary>
    /// Creates the demo users that are missing, with the shared generated password, their role and
    /// patient link; an MFA user gets an authenticator whose key (and recovery codes) are kept in
    /// the credentials folder, so <c>scripts/totp.cs</c> can show the current code. Existing users
    /// keep their password and authenticator.
    /// </summary>
    private async Task SeedUsersAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        if (options.Value.Users.Count == 0)
        {
            return;
        }

        var users = services.GetRequiredService<UserManager<PlatformUser>>();
        var roles = services.GetRequiredService<RoleManager<IdentityRole>>();
        var password = Credential(DevelopmentSeedOptions.PasswordFile, () => "Demo-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(9)).ToLowerInvariant() + "-Pw9");
        foreach (var (userName, seed) in options.Value.Users)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (seed.Role is not { } role || !PlatformRoles.All.Contains(role))
            {
                throw new InvalidOperationException($"Seed user {userName}: Role must be one of {string.Join(", ", PlatformRoles.All)}.");
            }

            if (!await roles.RoleExistsAsync(role))
            {
                Succeeded(await roles.CreateAsync(new IdentityRole(role)), userName);
            }

            var user = await users.FindByNameAsync(userName);
            if (user is null)
            {
                user = new PlatformUser { UserName = userName, PatientId = seed.PatientId, FhirUser = seed.FhirUser };
                Succeeded(await users.CreateAsync(user, password), userName);
            }
            else if (user.PatientId != seed.PatientId || user.FhirUser != seed.FhirUser)
            {
                user.PatientId = seed.PatientId;
                user.FhirUser = seed.FhirUser;
                Succeeded(await users.UpdateAsync(user), userName);
            }

            if (!await users.IsInRoleAsync(user, role))
            {
                Succeeded(await users.AddToRoleAsync(user, role), userName);
            }

            if (seed.Mfa && !user.TwoFactorEnabled)
            {
                // The key in the file (kept across database resets), or a new one.
                var key = Credential(DevelopmentSeedOptions.AuthenticatorFile(userName), () => users.GenerateNewAuthenticatorKey());
                var keys = (IUserAuthenticatorKeyStore<PlatformUser>)services.GetRequiredService<IUserStore<PlatformUser>>();
                await keys.SetAuthenticatorKeyAsync(user, key, cancellationToken);
                Succeeded(await users.SetTwoFactorEnabledAsync(user, true), userName);
                var codes = await users.GenerateNewTwoFactorRecoveryCodesAsync(user, MfaEnrolmentEndpoints.RecoveryCodeCount) ?? [];
                WriteCredential(DevelopmentSeedOptions.RecoveryCodesFile(userName), string.Join('\n', codes) + "\n");
            }
        }
    }

    private static void Succeeded(IdentityResult result, string userName)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Seed user {userName}: {string.Join("; ", result.Errors.Select(error => error.Description))}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Development seed: {Clients} demo client(s) and {Users} demo user(s) registered.")]
    private static partial void LogSeeded(ILogger logger, int clients, int users);

    [LoggerMessage(Level = LogLevel.Error, Message = "Development seed failed ({Error}): {Message}")]
    private static partial void LogFailed(ILogger logger, string error, string message);
}
