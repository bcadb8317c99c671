using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.KeyManagement.Keys;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.Testing;
using Npgsql;

namespace HealthPlatform.KeyManagement.Tests;

/// <summary>
/// Root-key rotation: started with a new root key and the old one beside it, the service rewraps
/// every key-encryption key under the new one (same material: what callers hold still unwraps);
/// afterwards the old key can go, and without the new one nothing opens.
/// </summary>
[Collection(KeyManagementInfrastructure.Name)]
public sealed class RootKeyRotationTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker)
{
    private readonly AuditQueueProbe _audit = new(broker);

    [Fact]
    public async Task ANewRootKey_RewrapsEveryKeyEncryptionKey_WhatCallersHoldStillUnwraps_AndTheOldRootKeyCanGo()
    {
        string wrap;
        string plaintext;
        KeyManagementHost first;
        await using (first = await KeyManagementHost.StartAsync(postgres, redis, broker))
        {
            using var generated = await first.PostAsync(ResourceNames.Records, "/keys/records-phi/data-keys", new { });
            var body = await JsonAsync(generated);
            (wrap, plaintext) = (body.GetProperty("wrapped_key").GetString()!, body.GetProperty("plaintext_key").GetString()!);
        }

        var oldRoot = first.RootKey;
        var newRoot = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var newRootId = ConfiguredRootKey.IdOf(Convert.FromBase64String(newRoot));
        var before = await RootKeyIdsAsync(first.Database);
        Assert.DoesNotContain(newRootId, before);

        await using (var rotating = await KeyManagementHost.StartAsync(postgres, redis, broker, replicaOf: first, settings: Roots(newRoot, oldRoot)))
        {
            Assert.Equal([newRootId], await RootKeyIdsAsync(first.Database));
            Assert.Equal(plaintext, await UnwrapAsync(rotating, wrap));
            var audited = await _audit.WaitForAsync<KeyOperationPerformed>(e => e.Operation == KeyOperation.RotateRootKey && e.KeyName == "records-phi");
            Assert.Equal(ServiceIdentity(ResourceNames.KeyManagement), audited.Actor.ServiceIdentity);
        }

        await using (var rotated = await KeyManagementHost.StartAsync(postgres, redis, broker, replicaOf: first, settings: Roots(newRoot)))
        {
            Assert.Equal(plaintext, await UnwrapAsync(rotated, wrap));
        }

        await using var withOnlyTheOldKey = await KeyManagementHost.StartAsync(postgres, redis, broker, replicaOf: first, settings: Roots(oldRoot), waitUntilHealthy: false);
        var rotation = withOnlyTheOldKey.Services.GetRequiredService<RootKeyRotation>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (rotation.MissingRootKeys.Count == 0)
        {
            await Task.Delay(100, deadline.Token);
        }

        Assert.Equal([newRootId], rotation.MissingRootKeys);
        using var health = new HttpClient();
        using var report = await health.GetAsync(new Uri(withOnlyTheOldKey.Service.Management, "/health"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, report.StatusCode);
        Assert.Equal("Unhealthy", JsonDocument.Parse(await report.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("root-key").GetProperty("status").GetString());
    }

    private static Dictionary<string, string?> Roots(string current, string? additional = null)
    {
        var roots = new Dictionary<string, string?> { ["KeyManagement:RootKey"] = current };
        if (additional is not null)
        {
            roots["KeyManagement:AdditionalRootKeys:0"] = additional;
        }

        return roots;
    }

    private static string ServiceIdentity(string service) => HealthPlatform.ServiceDefaults.Security.ServiceIdentity.UriOf(service);

    private static async Task<string> UnwrapAsync(KeyManagementHost host, string wrap)
    {
        using var response = await host.PostAsync(ResourceNames.Records, "/keys/records-phi/unwrap", new { wrapped_key = wrap });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("plaintext_key").GetString()!;
    }

    private static async Task<List<string>> RootKeyIdsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT DISTINCT root_key_id FROM key_versions", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
}
