using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using HealthPlatform.Examples;
using HealthPlatform.Identity.Seed;
using HealthPlatform.Identity.Tests.Server;
using HealthPlatform.Identity.Users;
using HealthPlatform.ServiceDefaults.Authorization;
using Microsoft.AspNetCore.Identity;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Tests.Seed;

/// <summary>
/// The demo clients and users as <c>services/Identity/appsettings.Development.json</c> defines them,
/// and the README's snippets run against them: the C# file it shows, its curl command, and the
/// script that shows the MFA demo users' authenticator codes.
/// </summary>
[Collection(IdentityInfrastructure.Name)]
public sealed class DevelopmentSeedTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime
{
    private readonly string _clients = Directory.CreateTempSubdirectory("hp-clients-").FullName;
    private IdentityServerHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await IdentityServerHost.StartAsync(
            postgres,
            redis,
            broker,
            environment: "Development",
            settings: host => new Dictionary<string, string?>
            {
                ["Identity:DevelopmentSeed:Directory"] = _clients,
                ["Identity:DevelopmentSeed:PkiDirectory"] = host.Pki.Pki.RootDirectory,
            },
            configure: builder => builder.Configuration.AddJsonFile(Repository.File("services/Identity/appsettings.Development.json"), optional: false));
        await _host.Services.GetRequiredService<DevelopmentSeed>().Completed.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_clients, recursive: true);
    }

    [Fact]
    public async Task TheDemoClients_AreRegistered_AsTheReadmeDescribesThem()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();

        Assert.Equal(ClientTypes.Public, await ClientTypeAsync(applications, "portal"));
        Assert.Equal(ClientTypes.Public, await ClientTypeAsync(applications, "third-party-app"));
        Assert.Equal(ClientTypes.Confidential, await ClientTypeAsync(applications, "ehr-app"));
        Assert.Equal(ClientTypes.Confidential, await ClientTypeAsync(applications, "backend-job"));
        Assert.Equal(ClientTypes.Confidential, await ClientTypeAsync(applications, "records-service"));
        var portal = (await applications.FindByClientIdAsync("portal"))!;
        Assert.Contains(Requirements.Features.ProofKeyForCodeExchange, await applications.GetRequirementsAsync(portal));
        Assert.DoesNotContain(Permissions.GrantTypes.ClientCredentials, await applications.GetPermissionsAsync(portal));
        var thirdParty = (await applications.FindByClientIdAsync("third-party-app"))!;
        Assert.Equal("true", (await applications.GetSettingsAsync(thirdParty))[HealthPlatform.Identity.Clients.ClientSettings.ThirdParty]);
        var readme = await File.ReadAllTextAsync(Repository.File("README.md"));
        foreach (var client in new[] { "portal", "ehr-app", "backend-job", "records-service", "third-party-app", "admin-console" })
        {
            Assert.Contains($"| `{client}` |", readme, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheSevenDemoUsers_HaveTheirRoles_TheMfaUsersAnAuthenticator_AndTheReadmeListsThem()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PlatformUser>>();
        var readme = await File.ReadAllTextAsync(Repository.File("README.md"));
        var expected = new Dictionary<string, string>
        {
            ["dr.house"] = PlatformRoles.Physician,
            ["nurse.joy"] = PlatformRoles.Nurse,
            ["pharm.phil"] = PlatformRoles.Pharmacist,
            ["billing.bob"] = PlatformRoles.Billing,
            ["admin.ada"] = PlatformRoles.Admin,
            ["sec.sally"] = PlatformRoles.SecurityOfficer,
            ["patient.pat"] = PlatformRoles.Patient,
        };

        foreach (var (userName, role) in expected)
        {
            var user = await users.FindByNameAsync(userName);
            Assert.True(user is not null, userName);
            Assert.Equal([role], await users.GetRolesAsync(user));
            Assert.Equal(role is PlatformRoles.Admin or PlatformRoles.SecurityOfficer, user.TwoFactorEnabled);
            Assert.Contains($"| `{userName}` |", readme, StringComparison.Ordinal);
        }

        Assert.Equal("example-pat", (await users.FindByNameAsync("patient.pat"))!.PatientId);
    }

    [Fact]
    public async Task AdminAda_SignsIn_WithTheGeneratedPassword_AndTheCodeTheReadmesScriptPrints()
    {
        await _host.RegisterAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = "seed-console",
            ClientType = ClientTypes.Public,
            RedirectUris = { new Uri("https://console.example/callback") },
            Permissions = { Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code, Permissions.Prefixes.Scope + "openid" },
        });
        var password = (await File.ReadAllTextAsync(Path.Combine(_clients, DevelopmentSeedOptions.PasswordFile))).Trim();
        var (verifier, challenge) = Browser.Pkce();
        using var browser = new Browser(_host);
        using var toLogin = await browser.AuthorizeAsync(new Dictionary<string, string?>
        {
            ["response_type"] = ResponseTypes.Code,
            ["client_id"] = "seed-console",
            ["redirect_uri"] = "https://console.example/callback",
            ["scope"] = "openid",
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = CodeChallengeMethods.Sha256,
        });
        using var codePage = await browser.SignInAsync(toLogin, "admin.ada", password);
        Assert.Equal(LoginEndpoints.MfaPath, codePage.RequestMessage!.RequestUri!.AbsolutePath);

        var (exitCode, output) = await RunAsync("dotnet", ["run", Repository.File("scripts/totp.cs"), "--", "admin.ada"], new() { ["HP_DEV_CREDENTIALS"] = _clients });
        Assert.True(exitCode == 0, output);
        using var callback = await browser.SubmitFormAsync(codePage, new Dictionary<string, string> { ["code"] = output[..6] });

        using var token = await _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.AuthorizationCode,
            ["code"] = Browser.CallbackParameters(callback, new Uri("https://console.example/callback"))["code"],
            ["code_verifier"] = verifier,
            ["redirect_uri"] = "https://console.example/callback",
            ["client_id"] = "seed-console",
        });
        var accessToken = new JsonWebToken(await IdentityServerHost.AccessTokenOfAsync(token));
        Assert.Contains(SessionClaims.MultiFactor, accessToken.GetPayloadValue<string[]>("amr"));
        Assert.Equal(PlatformRoles.Admin, accessToken.GetClaim("role").Value);
    }

    [Fact]
    public void GeneratedCredentials_AreOwnerOnly()
    {
        foreach (var file in new[] { "ehr-app.secret", "backend-job.key", DevelopmentSeedOptions.PasswordFile, "admin.ada.authenticator", "sec.sally.recovery-codes" })
        {
            var mode = File.GetUnixFileMode(Path.Combine(_clients, file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        }
    }

    [Fact]
    public async Task TheReadmesCSharpSnippet_GetsTheBackendJobAToken_WithItsGeneratedKey()
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(await File.ReadAllTextAsync(Path.Combine(_clients, "backend-job.key")));
        using var http = SmartBackendClient.CreateClient(_host.Pki.Authority);

        var token = await SmartBackendClient.RequestTokenWithKeyAsync(http, _host.TokenEndpoint, "backend-job", key, "system/Observation.rs");

        Assert.False(token.IsError, token.Error);
        using var records = await _host.CallRecordsAsync(token.AccessToken!);
        Assert.Equal(HttpStatusCode.OK, records.StatusCode);
    }

    [Fact]
    public async Task TheReadmesCSharpSnippet_GetsTheRecordsServiceACertificateBoundToken()
    {
        var certificate = _host.Pki.Certificate(ResourceNames.Records);
        using var http = SmartBackendClient.CreateClient(_host.Pki.Authority, certificate);

        var token = await SmartBackendClient.RequestTokenWithCertificateAsync(http, _host.MtlsTokenEndpoint, "records-service", "system/Consent.rs");

        Assert.False(token.IsError, token.Error);
        Assert.True(new JsonWebToken(token.AccessToken).TryGetPayloadValue<JsonElement>(CertificateBinding.ConfirmationClaim, out var confirmation));
        Assert.Equal(CertificateBinding.Thumbprint(certificate), CertificateBinding.BoundThumbprint(confirmation));
    }

    [Fact]
    public async Task TheReadmeShowsTheSnippetFile_Verbatim()
    {
        var readme = await File.ReadAllTextAsync(Repository.File("README.md"));
        var snippet = await File.ReadAllTextAsync(Repository.File("docs/snippets/SmartBackendClient.cs"));

        Assert.Contains("```csharp\n" + snippet + "```", readme, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheReadmesCurlCommand_GetsTheRecordsServiceAToken()
    {
        var readme = await File.ReadAllTextAsync(Repository.File("README.md"));
        const string Marker = "<!-- snippet:curl-mtls -->\n```sh\n";
        var start = readme.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length;
        var command = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)]
            .Replace("AppHost/.dev/pki", _host.Pki.Pki.RootDirectory, StringComparison.Ordinal)
            .Replace("https://localhost:5011/", _host.Identity.Mtls.AbsoluteUri, StringComparison.Ordinal);

        var (exitCode, output) = await RunAsync("bash", "-c", "set -e\n" + command.Replace("curl ", "curl --silent --show-error ", StringComparison.Ordinal));

        Assert.True(exitCode == 0, output);
        using var response = JsonDocument.Parse(output);
        Assert.Equal("system/Consent.rs", response.RootElement.GetProperty("scope").GetString());
        Assert.Equal(["consent"], new JsonWebToken(response.RootElement.GetProperty("access_token").GetString()).Audiences);
    }

    [Fact]
    public void TheSeed_IsRefusedOutsideDevelopment()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddJsonFile(Repository.File("services/Identity/appsettings.Development.json"), optional: false);

        var refused = Assert.Throws<InvalidOperationException>(() => builder.AddDevelopmentSeed());

        Assert.Contains("Development only", refused.Message, StringComparison.Ordinal);
    }

    private static async Task<string?> ClientTypeAsync(IOpenIddictApplicationManager applications, string clientId) =>
        await applications.GetClientTypeAsync((await applications.FindByClientIdAsync(clientId))!);

    private static Task<(int ExitCode, string Output)> RunAsync(string fileName, params string[] arguments) => RunAsync(fileName, arguments, []);

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output + error);
    }
}

/// <summary>Files of this repository, found from the test's output folder.</summary>
internal static class Repository
{
    public static string File(string relativePath)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(directory.FullName, "HealthPlatform.sln")))
            {
                return Path.Combine(directory.FullName, relativePath);
            }
        }

        throw new InvalidOperationException("The repository root (HealthPlatform.sln) was not found.");
    }
}
