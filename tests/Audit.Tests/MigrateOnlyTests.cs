using HealthPlatform.Audit.Extensions;
using HealthPlatform.KeyManagement.Tests;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace HealthPlatform.Audit.Tests;

/// <summary>
/// The Kubernetes shape: the service holds only the runtime role's credentials and waits, not
/// ready, until an init container (the same program with <c>--migrate-only</c> and the owner's
/// credentials) has migrated and granted; then it runs append-only.
/// </summary>
[Collection(AuditInfrastructure.Name)]
public sealed class MigrateOnlyTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime
{
    private KeyManagementHost _keys = null!;

    public async Task InitializeAsync() => _keys = await KeyManagementHost.StartAsync(postgres, redis, broker);

    public async Task DisposeAsync() => await _keys.DisposeAsync();

    [Fact]
    public async Task WithoutTheOwnersCredentials_TheServiceWaitsForTheMigrateOnlyStep_ThenRunsAppendOnly()
    {
        var database = await postgres.CreateDatabaseWithRuntimeRoleAsync();
        await using var audit = await AuditHost.StartAsync(_keys, database, redis, broker, withOwner: false, waitUntilHealthy: false);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal("Unhealthy", await audit.HealthOfAsync(ResourceNames.AuditDatabase));

        Assert.Equal(0, await Builder(database.Runtime, database.Owner).RunAuditMigrationsAsync(CancellationToken.None));

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await audit.HealthOfAsync(ResourceNames.AuditDatabase) != "Healthy" || await audit.HealthOfAsync(HealthPlatform.Audit.Extensions.Extensions.AppendOnlyCheck) != "Healthy")
        {
            await Task.Delay(200, deadline.Token);
        }

        var access = audit.Access("patient-1");
        await audit.Trail.RecordAsync(access);
        Assert.Equal(1, await audit.WaitForEventsAsync([access.Header.EventId]));
    }

    [Fact]
    public async Task MigrateOnly_WithoutTheOwnersCredentials_RefusesAndChangesNothing()
    {
        var database = await postgres.CreateDatabaseWithRuntimeRoleAsync();

        Assert.Equal(2, await Builder(database.Runtime, owner: null).RunAuditMigrationsAsync(CancellationToken.None));

        await using var check = new Npgsql.NpgsqlConnection(database.Superuser);
        await check.OpenAsync();
        await using var tables = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", check);
        Assert.Equal(0L, await tables.ExecuteScalarAsync());
    }

    private static HostApplicationBuilder Builder(string runtime, string? owner)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ResourceNames.AuditDatabase}"] = runtime,
            [$"ConnectionStrings:{HealthPlatform.Audit.Extensions.Extensions.OwnerConnectionName}"] = owner,
        });
        return builder;
    }
}
