using System.Net;
using System.Text.Encodings.Web;
using HealthPlatform.ServiceDefaults.Caching;
using HealthPlatform.ServiceDefaults.RateLimiting;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Tests.RateLimiting;

/// <summary>
/// OpenIddict answers its token endpoint inside the authentication middleware, before the limiter
/// that follows authentication. A handler doing the same shows that an early path is limited
/// anyway, however the path is spelled.
/// </summary>
public sealed class EarlyPathTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime, IDisposable
{
    private const string TokenPath = "/connect/token";
    private readonly TestPki _pki = new("identity");
    private readonly List<WebApplication> _apps = [];

    public async Task InitializeAsync() => await redis.FlushAsync();

    [Fact]
    public async Task AnEarlyAnsweredPath_MappedToStrict_IsRefusedOnceItsLimitIsUsedUp()
    {
        var host = await StartAsync();
        using var client = _pki.CreateClient();

        Assert.Equal(HttpStatusCode.OK, await PostAsync(client, host));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(client, host));
        using var refused = await client.PostAsync(new Uri(host.Public, TokenPath), null);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("\"strict\";q=2;w=60", Assert.Single(refused.Headers.GetValues("RateLimit-Policy")));
    }

    [Fact]
    public async Task TheSamePathWithATrailingSlash_CountsAgainstTheSameLimit()
    {
        var host = await StartAsync();
        using var client = _pki.CreateClient();

        Assert.Equal(HttpStatusCode.OK, await PostAsync(client, host, TokenPath + "/"));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(client, host, TokenPath.ToUpperInvariant()));
        Assert.Equal(HttpStatusCode.TooManyRequests, await PostAsync(client, host, TokenPath + "/"));
    }

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }

    public void Dispose() => _pki.Dispose();

    private static async Task<HttpStatusCode> PostAsync(HttpClient client, ServiceHost host, string path = TokenPath)
    {
        using var response = await client.PostAsync(new Uri(host.Public, path), null);
        return response.StatusCode;
    }

    private async Task<ServiceHost> StartAsync()
    {
        var host = new ServiceHost(_pki, "identity");
        var builder = host.CreateBuilder(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["RateLimiting:Policies:default:PermitLimit"] = "100",
            ["RateLimiting:Policies:strict:PermitLimit"] = "2",
            ["RateLimiting:Policies:strict:Window"] = "00:01:00",
        });
        builder.AddPlatformRedis();
        builder.LimitBeforeAuthentication(TokenPath, RateLimitingOptions.StrictPolicy);

        builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, EarlyTokenEndpoint>("early-token-endpoint", null);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        _apps.Add(app);
        return host;
    }

    /// <summary>Answers the token path inside authentication, the way OpenIddict's server handler does.</summary>
    private sealed class EarlyTokenEndpoint(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder), IAuthenticationRequestHandler
    {
        public async Task<bool> HandleRequestAsync()
        {
            // Like OpenIddict: a trailing slash either way, and any case, is the same endpoint.
            if (!string.Equals(Request.Path.Value?.TrimEnd('/'), TokenPath, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            Response.StatusCode = StatusCodes.Status200OK;
            await Response.WriteAsync("{\"access_token\":\"…\"}");
            return true;
        }

        protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());
    }
}
