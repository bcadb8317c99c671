using System.Net.Http.Json;
using HealthPlatform.ServiceDefaults.Security;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace HealthPlatform.ServiceDefaults.Tests.Security;

/// <summary>
/// A service calling another's internal endpoint through <c>AddPlatformServiceClient</c>: it
/// presents its own certificate, finds the callee by service discovery, and checks who answers.
/// </summary>
public sealed class ServiceClientTests : IAsyncLifetime, IDisposable
{
    private readonly TestPki _pki = new("consent", "audit", "records");
    private readonly ServiceHost _consent;
    private readonly ServiceHost _audit;
    private readonly List<WebApplication> _apps = [];

    public ServiceClientTests()
    {
        _consent = new ServiceHost(_pki, "consent");
        _audit = new ServiceHost(_pki, "audit");
    }

    public async Task InitializeAsync()
    {
        foreach (var host in new[] { _consent, _audit })
        {
            var app = host.CreateBuilder().Build();
            app.MapDefaultEndpoints();
            await app.StartAsync();
            _apps.Add(app);
        }
    }

    [Fact]
    public async Task Call_ToTheNamedService_PresentsTheCallersIdentity()
    {
        await using var records = BuildCaller(callee: "consent", actualEndpoint: _consent.Internal);

        var caller = await records.Services.GetRequiredService<WhoAmIClient>().WhoAmIAsync();

        Assert.Equal("records", caller.Service);
    }

    [Fact]
    public async Task Call_WhenAnotherServiceAnswers_IsRefusedByTheCaller()
    {
        // Discovery points "consent" at the audit service: the caller must notice and refuse it.
        await using var records = BuildCaller(callee: "consent", actualEndpoint: _audit.Internal);

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => records.Services.GetRequiredService<WhoAmIClient>().WhoAmIAsync());
    }

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }

    public void Dispose() => _pki.Dispose();

    private WebApplication BuildCaller(string callee, Uri actualEndpoint)
    {
        var builder = new ServiceHost(_pki, "records").CreateBuilder(new Dictionary<string, string?>
        {
            [$"services:{callee}:internal:0"] = actualEndpoint.ToString(),
        });
        builder.AddPlatformServiceClient<WhoAmIClient>(callee);
        return builder.Build();
    }

    private sealed class WhoAmIClient(HttpClient http)
    {
        public async Task<CallerIdentity> WhoAmIAsync() =>
            await http.GetFromJsonAsync<CallerIdentity>(WhoAmIEndpoints.Path)
            ?? throw new InvalidOperationException("Empty answer.");
    }
}
