using System.Text.Json;
using HealthPlatform.KeyManagement.Client;
using HealthPlatform.KeyManagement.Keys;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.Testing;

namespace HealthPlatform.KeyManagement.Tests;

/// <summary>
/// With every log level on, in the service and in a caller: every operation, the refusals, a
/// destruction — and no key (data key, subject key, key-encryption key, root key) in any line, in
/// base64 or hex.
/// </summary>
[Collection(KeyManagementInfrastructure.Name)]
public sealed class KeyMaterialInLogsTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker)
{
    private static readonly Dictionary<string, string?> Verbose = new()
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Trace",
    };

    [Fact]
    public async Task NoKeyMaterial_AppearsInAnyLogLine_AtAnyLevel()
    {
        await using var host = await KeyManagementHost.StartAsync(postgres, redis, broker, settings: Verbose);
        await using var records = await KeyManagementClientHost.StartAsync(host, broker, ResourceNames.Records, Verbose);
        var keys = new List<byte[]> { Convert.FromBase64String(host.RootKey) };

        using var generated = await host.PostAsync(ResourceNames.Records, "/keys/records-phi/data-keys", new { });
        var body = JsonDocument.Parse(await generated.Content.ReadAsStringAsync()).RootElement;
        keys.Add(Convert.FromBase64String(body.GetProperty("plaintext_key").GetString()!));
        var wrapped = body.GetProperty("wrapped_key").GetString()!;
        var tampered = Convert.FromBase64String(wrapped);
        tampered[^1] ^= 1;
        using var unwrapped = await host.PostAsync(ResourceNames.Records, "/keys/records-phi/unwrap", new { wrapped_key = wrapped });
        using var refused = await host.PostAsync(ResourceNames.Records, "/keys/records-phi/unwrap", new { wrapped_key = Convert.ToBase64String(tampered) });
        using var stranger = await host.PostAsync(ResourceNames.Audit, "/keys/records-phi/unwrap", new { wrapped_key = wrapped });
        using var signed = await host.PostAsync(ResourceNames.Audit, "/keys/audit-signing/sign", new { message = Convert.ToBase64String("checkpoint"u8.ToArray()) });

        var context = new EncryptionContext("Observation", "obs-1", "pat-logs");
        var ciphertext = await records.Cipher.EncryptAsync("records-phi", context, "secret"u8.ToArray(), CancellationToken.None);
        keys.Add((await records.Cipher.SubjectKeyAsync("records-phi", "pat-logs", CancellationToken.None)).Plaintext);
        await records.Cipher.EncryptAsync("records-phi", new EncryptionContext("Organization", "org-1", null), "secret"u8.ToArray(), CancellationToken.None);
        await host.Services.GetRequiredService<SubjectKeys>().DestroyAsync("records-phi", "pat-logs", "sec-officer-1", CancellationToken.None);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!records.Cache.IsDestroyed("records-phi", "pat-logs"))
        {
            await Task.Delay(10, deadline.Token);
        }

        await Assert.ThrowsAsync<SubjectKeyDestroyedException>(() => records.Cipher.DecryptAsync("records-phi", context, ciphertext, CancellationToken.None));

        var ring = host.Services.GetRequiredService<KeyRing>();
        keys.Add((await ring.VersionAsync("records-phi", 1, CancellationToken.None))!.Material);
        keys.Add((await ring.VersionAsync("audit-signing", 1, CancellationToken.None))!.Material);

        string[] lines = [.. host.Logs.Lines, .. records.Logs.Lines];
        Assert.NotEmpty(lines);
        foreach (var key in keys)
        {
            string[] spellings = [Convert.ToBase64String(key), Convert.ToHexString(key), Convert.ToHexStringLower(key), Convert.ToBase64String(key).TrimEnd('=').Replace('+', '-').Replace('/', '_')];
            foreach (var spelling in spellings)
            {
                Assert.DoesNotContain(lines, line => line.Contains(spelling, StringComparison.Ordinal));
            }
        }

        // The capture saw the requests and the SQL at their most detailed.
        Assert.Contains(lines, line => line.StartsWith("Trace:", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("Executed DbCommand", StringComparison.Ordinal) && line.Contains("subject_keys", StringComparison.Ordinal));
    }
}
