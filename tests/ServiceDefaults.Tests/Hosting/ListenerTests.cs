using System.Net;
using System.Text.Json;
using HealthPlatform.ServiceDefaults.Health;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthPlatform.ServiceDefaults.Tests.Hosting;

/// <summary>The shared pipeline over real Kestrel listeners and TLS handshakes.</summary>
public sealed class ListenerTests : IAsyncLifetime, IDisposable
{
    private readonly TestPki _pki = new("records", "consent");
    private readonly ServiceHost _host;
    private WebApplication? _app;
    private HealthCheckResult _dependency = HealthCheckResult.Healthy("fine");

    public ListenerTests() => _host = new ServiceHost(_pki, "records");

    public async Task InitializeAsync()
    {
        var builder = _host.CreateBuilder(new Dictionary<string, string?> { ["Endpoints:MaxRequestBodySize"] = "1024" });
        builder.Services.AddHealthChecks().AddCheck("dependency", () => _dependency, [HealthTags.Ready]);
        _app = builder.Build();
        _app.MapDefaultEndpoints();
        _app.MapPost("/echo", async (HttpRequest request) => TypedResults.Ok((await new StreamReader(request.Body).ReadToEndAsync()).Length)).AllowAnonymous();
        _app.MapGet("/ping", () => TypedResults.Ok("pong")).AllowAnonymous();
        _app.MapGet("/closed", () => TypedResults.Ok("should never be served"));
        await _app.StartAsync();
    }

    [Fact]
    public async Task Health_OnManagementListener_ReportsEachCheckByName()
    {
        using var client = _pki.CreateClient();

        using var response = await client.GetAsync(new Uri(_host.Management, "/health"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("dependency").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_WhenADependencyFails_Is503AndLeaksNoExceptionText()
    {
        _dependency = HealthCheckResult.Unhealthy("down", new InvalidOperationException("Host=db;Password=Secret123"));
        using var client = _pki.CreateClient();

        using var response = await client.GetAsync(new Uri(_host.Management, "/health"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"dependency\":{\"status\":\"Unhealthy\"}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret123", text, StringComparison.Ordinal);
        Assert.DoesNotContain("down", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Liveness_IgnoresDependencies()
    {
        _dependency = HealthCheckResult.Unhealthy("down");
        using var client = _pki.CreateClient();

        using var response = await client.GetAsync(new Uri(_host.Management, "/alive"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("public")]
    [InlineData("internal")]
    public async Task Health_OnTlsListeners_IsNotFoundAsProblemDetails(string listener)
    {
        using var certificate = _pki.Certificate("consent");
        using var client = _pki.CreateClient(certificate);
        var address = listener == "public" ? _host.Public : _host.Internal;

        using var response = await client.GetAsync(new Uri(address, "/health"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("management")]
    [InlineData("internal")]
    public async Task UnmarkedRoute_IsServedOnlyOnThePublicListener(string listener)
    {
        using var certificate = _pki.Certificate("consent");
        using var client = _pki.CreateClient(certificate);
        var address = listener == "management" ? _host.Management : _host.Internal;

        using var response = await client.GetAsync(new Uri(address, "/ping"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task MessagingProbe_OutsideDevelopment_DoesNotExist()
    {
        using var client = _pki.CreateClient();

        using var response = await client.PostAsync(new Uri(_host.Management, "/diagnostics/messaging-probe"), content: null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Route_ThatDoesNotSayWhoMayCallIt_Is401ForEveryone()
    {
        using var client = _pki.CreateClient();

        using var response = await client.GetAsync(new Uri(_host.Public, "/closed"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("should never be served", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublicResponse_CarriesSecurityHeaders()
    {
        using var client = _pki.CreateClient();

        using var response = await client.GetAsync(new Uri(_host.Public, "/ping"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Contains("max-age=", Assert.Single(response.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.False(response.Headers.Contains("Server"));
    }

    [Fact]
    public async Task RequestBody_OverTheLimit_IsRefusedWith413()
    {
        using var client = _pki.CreateClient();
        using var content = new StringContent(new string('x', 4096));

        using var response = await client.PostAsync(new Uri(_host.Public, "/echo"), content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task RequestBody_WithinTheLimit_IsAccepted()
    {
        using var client = _pki.CreateClient();
        using var content = new StringContent(new string('x', 512));

        using var response = await client.PostAsync(new Uri(_host.Public, "/echo"), content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    public void Dispose() => _pki.Dispose();
}
