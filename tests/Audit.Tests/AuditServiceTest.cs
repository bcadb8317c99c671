using HealthPlatform.KeyManagement.Tests;
using HealthPlatform.Testing;

namespace HealthPlatform.Audit.Tests;

/// <summary>
/// What the audit test classes share: for each test, a key-management service (which signs the
/// checkpoints) and an audit service on a new database with the append-only runtime role.
/// </summary>
[Collection(AuditInfrastructure.Name)]
public abstract class AuditServiceTest(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime
{
    protected PostgresServerFixture Postgres { get; } = postgres;

    protected RedisServerFixture Redis { get; } = redis;

    protected RabbitMqServerFixture Broker { get; } = broker;

    protected KeyManagementHost Keys { get; private set; } = null!;

    protected AuditHost AuditService { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var settings = await BeforeStartAsync();
        Keys = await KeyManagementHost.StartAsync(Postgres, Redis, Broker);
        AuditService = await AuditHost.StartAsync(Keys, await Postgres.CreateDatabaseWithRuntimeRoleAsync(), Redis, Broker, settings);
    }

    public virtual async Task DisposeAsync()
    {
        await AuditService.DisposeAsync();
        await Keys.DisposeAsync();
    }

    /// <summary>Runs before the services start; returns settings for the audit service, if any.</summary>
    protected virtual Task<IDictionary<string, string?>?> BeforeStartAsync() => Task.FromResult<IDictionary<string, string?>?>(null);
}
