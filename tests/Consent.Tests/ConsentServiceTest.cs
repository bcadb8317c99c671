using HealthPlatform.KeyManagement.Tests;
using HealthPlatform.Testing;

namespace HealthPlatform.Consent.Tests;

/// <summary>What the consent test classes share: for each test, a key-management service and a consent service on a new database.</summary>
[Collection(ConsentInfrastructure.Name)]
public abstract class ConsentServiceTest(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime
{
    protected PostgresServerFixture Postgres { get; } = postgres;

    protected RedisServerFixture Redis { get; } = redis;

    protected RabbitMqServerFixture Broker { get; } = broker;

    protected KeyManagementHost Keys { get; private set; } = null!;

    protected ConsentHost Consents { get; private set; } = null!;

    /// <summary>The consent service's clock, which tests may move.</summary>
    protected ShiftedTime Time { get; } = new();

    /// <summary>A patient id no other test uses.</summary>
    protected static string NewPatient() => "p" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync()
    {
        Keys = await KeyManagementHost.StartAsync(Postgres, Redis, Broker);
        Consents = await ConsentHost.StartAsync(Keys, await Postgres.CreateDatabaseWithRuntimeRoleAsync(), Redis, Broker, Time);
    }

    public virtual async Task DisposeAsync()
    {
        await Consents.DisposeAsync();
        await Keys.DisposeAsync();
    }
}
