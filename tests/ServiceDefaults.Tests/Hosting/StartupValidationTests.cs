using HealthPlatform.ServiceDefaults.Caching;
using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.ServiceDefaults.Messaging;
using HealthPlatform.ServiceDefaults.Tests.Data;
using HealthPlatform.Testing;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Tests.Hosting;

/// <summary>Bad configuration stops a service at start-up, with a message naming the setting.</summary>
public sealed class StartupValidationTests : IDisposable
{
    private readonly TestPki _pki = new("records");

    [Fact]
    public void Start_WithoutDatabaseConnectionString_FailsNamingTheSetting()
    {
        var builder = new ServiceHost(_pki, "records").CreateBuilder();

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddPlatformDatabase<ProbeDbContext>("probedb"));

        Assert.Contains("ConnectionStrings:probedb", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_WithMalformedDatabaseConnectionString_FailsNamingTheSettingButNotItsValue()
    {
        var builder = new ServiceHost(_pki, "records").CreateBuilder(new Dictionary<string, string?>
        {
            ["ConnectionStrings:probedb"] = "Host=db;Password=Hunter22;Bogus Keyword=1",
        });

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddPlatformDatabase<ProbeDbContext>("probedb"));

        Assert.Contains("ConnectionStrings:probedb", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter22", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_WithMalformedRedisConnectionString_FailsNamingTheSetting()
    {
        var builder = new ServiceHost(_pki, "records").CreateBuilder(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = "localhost:6379,password=Hunter22,nosuchoption=1",
        });

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddPlatformRedis());

        Assert.Contains("ConnectionStrings:redis", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter22", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_WithoutRedisConnectionString_FailsNamingTheSetting()
    {
        var builder = new ServiceHost(_pki, "records").CreateBuilder();

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddPlatformRedis());

        Assert.Contains("ConnectionStrings:redis", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_WithoutMessagingConnectionString_FailsNamingTheSetting()
    {
        var builder = new ServiceHost(_pki, "records").CreateBuilder();

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddPlatformMessaging());

        Assert.Contains("ConnectionStrings:messaging", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_WithCollidingPorts_FailsNamingTheSettings()
    {
        var host = new ServiceHost(_pki, "records");
        var builder = host.CreateBuilder(new Dictionary<string, string?> { ["Endpoints:InternalPort"] = host.ManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        // Kestrel reads its listeners while the application is built, so the check fires there.
        var error = Assert.Throws<OptionsValidationException>(() => builder.Build());

        Assert.Contains("Endpoints:InternalPort", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _pki.Dispose();
}
