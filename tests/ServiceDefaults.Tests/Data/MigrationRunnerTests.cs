using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.Testing;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.ServiceDefaults.Tests.Data;

public sealed class MigrationRunnerTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    [Fact]
    public async Task Migrate_FromSeveralReplicasAtOnce_OnAnEmptyDatabase_AppliesEachMigrationOnce()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var replicas = Enumerable.Range(0, 6).Select(_ => ProbeDbContext.Create(connectionString)).ToList();

        try
        {
            await Task.WhenAll(replicas.Select(context => MigrationRunner.MigrateAsync(context, CancellationToken.None)));
        }
        finally
        {
            foreach (var context in replicas)
            {
                await context.DisposeAsync();
            }
        }

        await using var check = ProbeDbContext.Create(connectionString);
        Assert.Equal(["20261128000000_CreateProbeItems"], await check.Database.GetAppliedMigrationsAsync());
        check.Items.Add(new ProbeItem { Name = "works" });
        Assert.Equal(1, await check.SaveChangesAsync());
    }

    [Fact]
    public async Task Migrate_Twice_IsANoOpTheSecondTime()
    {
        var connectionString = await postgres.CreateDatabaseAsync();

        await using (var first = ProbeDbContext.Create(connectionString))
        {
            await MigrationRunner.MigrateAsync(first, CancellationToken.None);
        }

        await using var second = ProbeDbContext.Create(connectionString);
        await MigrationRunner.MigrateAsync(second, CancellationToken.None);

        Assert.Empty(await second.Database.GetPendingMigrationsAsync());
    }
}
