using System.Net;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Caching;
using HealthPlatform.ServiceDefaults.Security;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HealthPlatform.ServiceDefaults.Tests.Audit;

/// <summary>Every 401, 403 and 429 on the public and internal listeners is one security event, naming the route template and never the URL.</summary>
[Collection(AuditInfrastructure.Name)]
public sealed class DenialAuditTests(RabbitMqServerFixture broker, RedisServerFixture redis) : IAsyncLifetime, IDisposable
{
    private const string Marker = "pt-4f1c9b7e";

    private readonly TestPki _pki = new("records", "audit");
    private readonly AuditQueueProbe _queue = new(broker);
    private AuditedService? _service;

    private AuditedService Service => _service!;

    public async Task InitializeAsync()
    {
        await _queue.PurgeAsync();
        await redis.FlushAsync();
        _service = await AuditedService.StartAsync(
            _pki,
            broker,
            configure: builder => builder.AddPlatformRedis(),
            map: app =>
            {
                app.MapGet("/prescriptions/{id}", (string id) => TypedResults.Ok(id));
                app.MapGet("/open", () => TypedResults.Ok("open")).AllowAnonymous();
                app.MapGet("/internal/keys", () => TypedResults.Ok("keys")).RequireService("audit");
            },
            settings: new Dictionary<string, string?>
            {
                ["ConnectionStrings:redis"] = redis.ConnectionString,
                ["RateLimiting:Policies:default:PermitLimit"] = "20",
                ["RateLimiting:Policies:default:Window"] = "00:01:00",
            });
    }

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }
    }

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task A401_IsOneSecurityEvent_WithTheRouteTemplateAndNotTheUrl()
    {
        using var client = _pki.CreateClient();

        var response = await client.GetAsync(new Uri(Service.Host.Public, $"/prescriptions/{Marker}?patient={Marker}"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var message = Assert.Single(await _queue.DrainWhenAsync(1));
        var denial = Assert.IsType<SecurityEventRecorded>(message.Event);
        Assert.Equal(SecurityEventKind.RequestUnauthenticated, denial.Kind);
        Assert.Equal(AuditOutcome.Denied, denial.Outcome);
        Assert.Equal(new AuditRequest { Method = "GET", RouteTemplate = "/prescriptions/{id}", StatusCode = 401, Listener = "public" }, denial.Request);
        Assert.Equal("127.0.0.1", denial.Actor.NetworkAddress);
        Assert.Null(denial.Actor.UserId);
        Assert.Equal("records", denial.Header.Source);
        Assert.DoesNotContain(Marker, message.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestWithAnOddMethod_IsRecordedAsOther_NotLost()
    {
        using var client = _pki.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod("M-SEARCH"), new Uri(Service.Host.Public, "/nowhere"));

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var denial = Assert.IsType<SecurityEventRecorded>(Assert.Single(await _queue.DrainWhenAsync(1)).Event);
        Assert.Equal(new AuditRequest { Method = "OTHER", RouteTemplate = null, StatusCode = 401, Listener = "public" }, denial.Request);
    }

    [Fact]
    public async Task A403_OnTheInternalListener_NamesTheCallingService()
    {
        using var certificate = _pki.Certificate("records");
        using var client = _pki.CreateClient(certificate);

        var response = await client.GetAsync(new Uri(Service.Host.Internal, "/internal/keys"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var denial = Assert.IsType<SecurityEventRecorded>(Assert.Single(await _queue.DrainWhenAsync(1)).Event);
        Assert.Equal(SecurityEventKind.RequestForbidden, denial.Kind);
        Assert.Equal("spiffe://healthplatform/records", denial.Actor.ServiceIdentity);
        Assert.Equal(new AuditRequest { Method = "GET", RouteTemplate = "/internal/keys", StatusCode = 403, Listener = "internal" }, denial.Request);
    }

    [Fact]
    public async Task A429_IsOneSecurityEvent_AndTheCallsBeforeItNone()
    {
        using var client = _pki.CreateClient();
        HttpResponseMessage response;
        do
        {
            response = await client.GetAsync(new Uri(Service.Host.Public, "/open"));
        }
        while (response.StatusCode == HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var denial = Assert.IsType<SecurityEventRecorded>(Assert.Single(await _queue.DrainWhenAsync(1)).Event);
        Assert.Equal(SecurityEventKind.RequestRateLimited, denial.Kind);
        Assert.Equal(new AuditRequest { Method = "GET", RouteTemplate = "/open", StatusCode = 429, Listener = "public" }, denial.Request);

        // Allowed calls leave no security event behind (checked after the denial, which came last).
        Assert.Empty(await _queue.DrainAsync());
    }
}
