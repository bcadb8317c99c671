using System.Net.Http.Headers;
using System.Net.Http.Json;
using HealthPlatform.Identity.Tests.Server;
using HealthPlatform.Identity.Users;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using OpenIddict.Abstractions;
using OtpNet;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Tests.Administration;

/// <summary>
/// Gets real tokens for the admin API the way an admin console would: authorization code with
/// PKCE through the login pages (password, then the authenticator code when the user has one).
/// </summary>
public sealed class AdminSession(IdentityServerHost host)
{
    public const string ConsoleClient = "admin-console-test";
    public const string Password = "Correct-Horse-Battery-9";

    private static readonly Uri RedirectUri = new("https://admin.example/callback");

    private readonly Dictionary<string, int> _uses = new(StringComparer.Ordinal);

    public static async Task RegisterConsoleAsync(IdentityServerHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        await host.RegisterAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = ConsoleClient,
            ClientType = ClientTypes.Public,
            RedirectUris = { RedirectUri },
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code,
                Permissions.Prefixes.Scope + "openid", Permissions.Prefixes.Scope + SmartScopeApis.IdentityAdministration,
            },
        });
    }

    /// <summary>Signs <paramref name="userName"/> in (with a TOTP code from <paramref name="authenticatorKey"/> when given) and returns an <c>identity.admin</c> token.</summary>
    public Task<string> TokenAsync(string userName, string? authenticatorKey) => TokenAsync(userName, authenticatorKey, Password);

    /// <summary>As <see cref="TokenAsync(string, string?)"/>, for a user without an authenticator and with their own password.</summary>
    public Task<string> TokenWithPasswordAsync(string userName, string password) => TokenAsync(userName, authenticatorKey: null, password);

    private async Task<string> TokenAsync(string userName, string? authenticatorKey, string password)
    {
        using var browser = new Browser(host);
        var (verifier, challenge) = Browser.Pkce();
        using var toLogin = await browser.AuthorizeAsync(new Dictionary<string, string?>
        {
            ["response_type"] = ResponseTypes.Code,
            ["client_id"] = ConsoleClient,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["scope"] = "openid " + SmartScopeApis.IdentityAdministration,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = CodeChallengeMethods.Sha256,
        });
        var afterPassword = await browser.SignInAsync(toLogin, userName, password);
        if (authenticatorKey is not null)
        {
            Assert.Equal(LoginEndpoints.MfaPath, afterPassword.RequestMessage!.RequestUri!.AbsolutePath);
            // Each code works once: a second sign-in takes the next step's code (accepted within the drift window).
            var uses = _uses.GetValueOrDefault(authenticatorKey);
            _uses[authenticatorKey] = uses + 1;
            var code = new Totp(Base32Encoding.ToBytes(authenticatorKey)).ComputeTotp(DateTime.UtcNow.AddSeconds(30 * uses));
            using var codePage = afterPassword;
            afterPassword = await browser.SubmitFormAsync(codePage, new Dictionary<string, string> { ["code"] = code });
        }

        using var callback = afterPassword;
        using var response = await host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.AuthorizationCode,
            ["code"] = Browser.CallbackParameters(callback, RedirectUri)["code"],
            ["code_verifier"] = verifier,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["client_id"] = ConsoleClient,
        });
        return await IdentityServerHost.AccessTokenOfAsync(response);
    }

    /// <summary>Calls the admin API with <paramref name="token"/> (none: anonymous).</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, object? body = null)
    {
        using var client = host.Pki.CreateClient();
        using var request = new HttpRequestMessage(method, new Uri(host.Identity.Public, path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
