using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;

namespace HealthPlatform.Identity.Tests.Server;

/// <summary>
/// A user's browser for the authorization code flow: keeps cookies, follows no redirect by itself
/// (each step is asserted), and fills in the login form as a person would.
/// </summary>
public sealed partial class Browser : IDisposable
{
    private readonly Uri _identity;
    private readonly HttpClient _client;

    /// <summary>A browser for the identity service at <paramref name="identity"/>, over <paramref name="handler"/> (which decides what it trusts).</summary>
    public Browser(Uri identity, SocketsHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _identity = identity;
        handler.AllowAutoRedirect = false;
        handler.UseCookies = true;
        handler.CookieContainer = new CookieContainer();
        _client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

    public HttpClient Client => _client;

    /// <summary>A PKCE verifier and its S256 challenge (RFC 7636).</summary>
    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    public Task<HttpResponseMessage> GetAsync(Uri uri) => _client.GetAsync(uri);

    /// <summary>Opens the authorization endpoint with <paramref name="parameters"/>.</summary>
    public Task<HttpResponseMessage> AuthorizeAsync(IDictionary<string, string?> parameters) =>
        _client.GetAsync(new Uri(QueryHelpers.AddQueryString(IdentityEndpoints.At(_identity, IdentityEndpoints.Authorization).AbsoluteUri, parameters)));

    /// <summary>Follows a redirect to the login page, signs in there, and returns the response to the page it leads back to.</summary>
    public async Task<HttpResponseMessage> SignInAsync(HttpResponseMessage toLogin, string userName, string password)
    {
        ArgumentNullException.ThrowIfNull(toLogin);
        Assert.Equal(HttpStatusCode.Redirect, toLogin.StatusCode);
        var loginPage = Absolute(toLogin.Headers.Location!);
        Assert.Equal("/account/login", loginPage.AbsolutePath);
        using var page = await _client.GetAsync(loginPage);
        var html = await page.Content.ReadAsStringAsync();

        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = HiddenField(html, "__RequestVerificationToken"),
            ["returnUrl"] = HiddenField(html, "returnUrl"),
            ["username"] = userName,
            ["password"] = password,
        });
        using var signedIn = await _client.PostAsync(loginPage, form);
        if (signedIn.StatusCode != HttpStatusCode.Redirect)
        {
            return new HttpResponseMessage(signedIn.StatusCode) { Content = new StringContent(await signedIn.Content.ReadAsStringAsync()) };
        }

        return await _client.GetAsync(Absolute(signedIn.Headers.Location!));
    }

    /// <summary>The query parameters of a redirect to the client's redirect URI.</summary>
    public static Dictionary<string, string> CallbackParameters(HttpResponseMessage response, Uri redirectUri)
    {
        ArgumentNullException.ThrowIfNull(response);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"Expected a redirect, got {(int)response.StatusCode}: {response.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
        var location = response.Headers.Location!;
        Assert.StartsWith(redirectUri.AbsoluteUri, location.AbsoluteUri, StringComparison.Ordinal);
        return QueryHelpers.ParseQuery(location.Query).ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal);
    }

    /// <summary>
    /// The error of a refused authorization request: sent back to the client's redirect URI, or —
    /// when OpenIddict refuses before it has checked that URI — answered here as a 400, never
    /// redirected anywhere else.
    /// </summary>
    public static async Task<(string Error, string Description)> AuthorizationErrorAsync(HttpResponseMessage response, Uri redirectUri)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            Assert.Null(response.Headers.Location);
            var lines = (await response.Content.ReadAsStringAsync()).Split('\n')
                .Select(line => line.Split(':', 2))
                .Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0], parts => parts[1].Trim(), StringComparer.Ordinal);
            return (lines["error"], lines.GetValueOrDefault("error_description", string.Empty));
        }

        var callback = CallbackParameters(response, redirectUri);
        Assert.False(callback.ContainsKey("code"), "A refused request must not carry a code.");
        return (callback["error"], callback.GetValueOrDefault("error_description", string.Empty));
    }

    /// <summary>
    /// Fills in the page's form as a person would — its hidden fields (antiforgery token, return URL)
    /// plus <paramref name="fields"/> — posts it, and follows a redirect once. A page that answers
    /// without redirecting is returned as it came.
    /// </summary>
    public async Task<HttpResponseMessage> SubmitFormAsync(HttpResponseMessage page, IDictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(fields);
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"Expected a page, got {(int)page.StatusCode}: {html}");
        var action = Regex.Match(html, "<form method=\"post\" action=\"([^\"]*)\">");
        Assert.True(action.Success, "The page has no form.");
        var form = HiddenFields(html);
        foreach (var (name, value) in fields)
        {
            form[name] = value;
        }

        using var content = new FormUrlEncodedContent(form);
        var posted = await _client.PostAsync(Absolute(new Uri(WebUtility.HtmlDecode(action.Groups[1].Value), UriKind.RelativeOrAbsolute)), content);
        if (posted.StatusCode != HttpStatusCode.Redirect || !IsOurs(posted.Headers.Location!))
        {
            return posted;
        }

        using (posted)
        {
            return await _client.GetAsync(Absolute(posted.Headers.Location!));
        }
    }

    /// <summary>Follows a redirect (to this service) and returns the page it leads to.</summary>
    public async Task<HttpResponseMessage> FollowAsync(HttpResponseMessage redirect)
    {
        ArgumentNullException.ThrowIfNull(redirect);
        Assert.True(redirect.StatusCode == HttpStatusCode.Redirect, $"Expected a redirect, got {(int)redirect.StatusCode}: {await redirect.Content.ReadAsStringAsync()}");
        return await _client.GetAsync(Absolute(redirect.Headers.Location!));
    }

    /// <summary>Follows redirects within this service, as a browser would, until a page (or a redirect elsewhere) answers.</summary>
    public async Task<HttpResponseMessage> FollowAllAsync(HttpResponseMessage redirect)
    {
        var response = await FollowAsync(redirect);
        for (var hops = 0; hops < 5 && response.StatusCode == HttpStatusCode.Redirect && IsOurs(response.Headers.Location!); hops++)
        {
            using var previous = response;
            response = await _client.GetAsync(Absolute(previous.Headers.Location!));
        }

        return response;
    }

    /// <summary>The first element with <paramref name="id"/>'s text, decoded.</summary>
    public static string ElementText(string html, string id)
    {
        var match = Regex.Match(html, $"id=\"{Regex.Escape(id)}\">(.*?)</", RegexOptions.Singleline);
        Assert.True(match.Success, $"The page has no element {id}.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>The link texts' targets: <c>&lt;a href="…"&gt;</c>.</summary>
    public static IReadOnlyList<string> Links(string html) =>
        [.. Regex.Matches(html, "<a href=\"([^\"]*)\">").Select(match => WebUtility.HtmlDecode(match.Groups[1].Value))];

    private bool IsOurs(Uri location) => !location.IsAbsoluteUri || location.Authority == _identity.Authority;

    private static Dictionary<string, string> HiddenFields(string html) =>
        Regex.Matches(html, "<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")
            .ToDictionary(match => WebUtility.HtmlDecode(match.Groups[1].Value), match => WebUtility.HtmlDecode(match.Groups[2].Value), StringComparer.Ordinal);

    public Uri Absolute(Uri location) => location.IsAbsoluteUri ? location : new Uri(_identity, location);

    public void Dispose() => _client.Dispose();

    private static string HiddenField(string html, string name)
    {
        var match = Regex.Match(html, $"<input type=\"hidden\" name=\"{Regex.Escape(name)}\" value=\"([^\"]*)\">");
        Assert.True(match.Success, $"The page has no hidden field {name}.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }
}
