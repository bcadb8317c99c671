using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using HealthPlatform.ServiceDefaults.Security;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HealthPlatform.ServiceDefaults.Tests.Security;

/// <summary>
/// The internal listener over real TLS handshakes: only a certificate from the platform CA that
/// names a platform service gets in, and routes admit only the services they name.
/// </summary>
public sealed class InternalListenerTests : IAsyncLifetime, IDisposable
{
    private readonly TestPki _pki = new("consent", "records", "audit", "operator");
    private readonly TestPki _foreign = new("records");
    private readonly ServiceHost _consent;
    private readonly CapturedLogs _logs = new();
    private WebApplication? _app;

    public InternalListenerTests() => _consent = new ServiceHost(_pki, "consent");

    public async Task InitializeAsync()
    {
        var builder = _consent.CreateBuilder();
        builder.Logging.AddProvider(_logs);
        _app = builder.Build();
        _app.MapDefaultEndpoints();
        _app.MapPost("/internal/decide", () => TypedResults.Ok("permit")).RequireService("records");
        await _app.StartAsync();
    }

    [Fact]
    public async Task Internal_WithoutCertificate_IsRefusedInTheHandshake()
    {
        using var client = _pki.CreateClient();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(_consent.Internal, WhoAmIEndpoints.Path)));
    }

    [Fact]
    public async Task Internal_WithCertificateFromAnotherCa_IsRefusedInTheHandshake()
    {
        using var certificate = _foreign.Certificate("records");
        using var client = _pki.CreateClient(certificate);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(_consent.Internal, WhoAmIEndpoints.Path)));
        AssertRefusalLogged(certificate, "chain: ");
    }

    [Fact]
    public async Task Internal_WithExpiredCertificate_IsRefusedInTheHandshake()
    {
        var now = DateTimeOffset.UtcNow;
        using var certificate = _pki.Issue("records", now.AddDays(-10), now.AddDays(-1));
        using var client = _pki.CreateClient(certificate);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(_consent.Internal, WhoAmIEndpoints.Path)));
        AssertRefusalLogged(certificate, "NotTimeValid");
    }

    [Fact]
    public async Task Internal_WithCertificateNamingNoService_IsRefusedInTheHandshake()
    {
        var now = DateTimeOffset.UtcNow;
        using var certificate = _pki.Issue(identity: null, now.AddHours(-1), now.AddDays(1));
        using var client = _pki.CreateClient(certificate);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(_consent.Internal, WhoAmIEndpoints.Path)));
        AssertRefusalLogged(certificate, "no single spiffe://healthplatform/ identity");
    }

    [Fact]
    public async Task Route_ForRecordsOnly_RefusesAnotherPlatformServiceWith403()
    {
        using var certificate = _pki.Certificate("audit");
        using var client = _pki.CreateClient(certificate);

        using var response = await client.PostAsync(new Uri(_consent.Internal, "/internal/decide"), content: null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Route_ForRecordsOnly_AcceptsRecords()
    {
        using var certificate = _pki.Certificate("records");
        using var client = _pki.CreateClient(certificate);

        using var response = await client.PostAsync(new Uri(_consent.Internal, "/internal/decide"), content: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("records")]
    [InlineData("operator")]
    public async Task WhoAmI_ShowsTheIdentityInTheCallersCertificate(string identity)
    {
        using var certificate = _pki.Certificate(identity);
        using var client = _pki.CreateClient(certificate);

        var caller = await client.GetFromJsonAsync<CallerIdentity>(new Uri(_consent.Internal, WhoAmIEndpoints.Path));

        Assert.Equal(new CallerIdentity(identity, certificate.Thumbprint), caller);
    }

    [Fact]
    public async Task Route_ForRecordsOnly_IsNotServedOnThePublicListener()
    {
        using var certificate = _pki.Certificate("records");
        using var client = _pki.CreateClient(certificate);

        using var response = await client.PostAsync(new Uri(_consent.Public, "/internal/decide"), content: null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Public_WithAnAppsOwnSelfSignedCertificate_CompletesTheHandshake()
    {
        using var appCertificate = _foreign.Certificate("records");
        using var client = _pki.CreateClient(appCertificate);

        // The handshake succeeds (the certificate may bind a token later); the route itself stays closed.
        using var response = await client.GetAsync(new Uri(_consent.Public, "/anything"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _logs.Dispose();
        _pki.Dispose();
        _foreign.Dispose();
    }

    /// <summary>The server refused this very certificate, for the expected reason, and logged no key material.</summary>
    private void AssertRefusalLogged(X509Certificate2 certificate, string reason)
    {
        var lines = _logs.Lines;
        Assert.Contains(lines, line => line.Contains("Certificate refused", StringComparison.Ordinal)
            && line.Contains(certificate.Thumbprint, StringComparison.Ordinal)
            && line.Contains(reason, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains("PRIVATE KEY", StringComparison.Ordinal));
    }
}
