using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.KeyManagement.Keys;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.Testing;

namespace HealthPlatform.KeyManagement.Tests;

/// <summary>
/// Versions: rotation (new wraps use the new version, old wraps still unwrap), rewrap without the
/// data key leaving, a minimum decryption version that retires old wraps, scheduled rotation that
/// happens once with two replicas; signing and verifying with the audit service's key; metadata
/// without key material.
/// </summary>
[Collection(KeyManagementInfrastructure.Name)]
public sealed class RotationAndSigningTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime
{
    private readonly AuditQueueProbe _audit = new(broker);
    private KeyManagementHost _host = null!;

    public async Task InitializeAsync() => _host = await KeyManagementHost.StartAsync(postgres, redis, broker);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AfterRotation_NewWrapsUseTheNewVersion_OldOnesUnwrapAndRewrap_UntilTheMinimumVersionRetiresThem()
    {
        var old = await GenerateAsync();
        var ring = _host.Services.GetRequiredService<KeyRing>();

        var rotated = await ring.RotateAsync("records-phi", ManagedKeyKind.Encryption, _ => true, CancellationToken.None);
        var fresh = await GenerateAsync();
        using var unwrapOld = await UnwrapAsync("unwrap", old.Wrapped);
        using var rewrapped = await UnwrapAsync("rewrap", old.Wrapped);
        var rewrap = await JsonAsync(rewrapped);

        Assert.Equal(2, rotated!.Version);
        Assert.Equal(2, fresh.Version);
        Assert.Equal(old.Plaintext, (await JsonAsync(unwrapOld)).GetProperty("plaintext_key").GetString());
        Assert.Equal(2, rewrap.GetProperty("key_version").GetInt32());
        Assert.Equal(JsonValueKind.Null, rewrap.GetProperty("plaintext_key").ValueKind);

        await ring.SetMinimumDecryptionVersionAsync("records-phi", 2, CancellationToken.None);
        using var retired = await UnwrapAsync("unwrap", old.Wrapped);
        using var rewrappedUnwrap = await UnwrapAsync("unwrap", rewrap.GetProperty("wrapped_key").GetString()!);

        Assert.Equal(HttpStatusCode.BadRequest, retired.StatusCode);
        Assert.Equal("version-retired", JsonDocument.Parse(await retired.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        Assert.Equal(old.Plaintext, (await JsonAsync(rewrappedUnwrap)).GetProperty("plaintext_key").GetString());
    }

    [Fact]
    public async Task ScheduledRotation_WithTwoReplicas_AddsOneVersion_OnceThePeriodHasPassed()
    {
        var clock = new ShiftedTime();
        var fast = new Dictionary<string, string?> { ["KeyManagement:RotationCheckInterval"] = "00:00:00.200" };
        await using var first = await KeyManagementHost.StartAsync(postgres, redis, broker, settings: fast, time: clock);
        await using var second = await KeyManagementHost.StartAsync(postgres, redis, broker, replicaOf: first, settings: fast, time: clock);
        using (var before = await first.PostAsync(ResourceNames.Records, "/keys/records-phi/data-keys", new { }))
        {
            Assert.Equal(1, (await JsonAsync(before)).GetProperty("key_version").GetInt32());
        }

        await _audit.PurgeAsync();
        clock.Advance(TimeSpan.FromDays(91));
        var rotation = await _audit.WaitForAsync<KeyOperationPerformed>(e => e.Operation == KeyOperation.Rotate && e.KeyName == "records-phi");
        await Task.Delay(TimeSpan.FromSeconds(1)); // several more checks on both replicas

        // (Asked in process: 91 days on, the test certificates have expired for the mTLS listener.)
        var versions = await second.Services.GetRequiredService<KeyRing>().VersionsAsync("records-phi", CancellationToken.None);
        Assert.Equal(2, rotation.KeyVersion);
        Assert.Equal([1, 2], versions.Select(version => version.Version));
        Assert.Equal(2, (await first.Services.GetRequiredService<KeyRing>().CurrentAsync("records-phi", ManagedKeyKind.Encryption, CancellationToken.None)).Version);
    }

    [Fact]
    public async Task TheAuditService_SignsAndVerifies_TheSignatureChecksOutWithThePublishedPublicKey_AndNobodyElseSigns()
    {
        var message = Convert.ToBase64String("checkpoint: head=ab12… count=1000"u8.ToArray());

        using var signed = await _host.PostAsync(ResourceNames.Audit, "/keys/audit-signing/sign", new { message });
        var signature = await JsonAsync(signed);
        using var verified = await _host.PostAsync(ResourceNames.Audit, "/keys/audit-signing/verify", new { message, signature = signature.GetProperty("signature").GetString(), key_version = 1 });
        using var forged = await _host.PostAsync(ResourceNames.Audit, "/keys/audit-signing/verify", new { message = Convert.ToBase64String("checkpoint: head=ff00"u8.ToArray()), signature = signature.GetProperty("signature").GetString(), key_version = 1 });
        using var notAudit = await _host.PostAsync(ResourceNames.Records, "/keys/audit-signing/sign", new { message });
        using var metadata = await _host.GetAsync(ResourceNames.Audit, "/keys/audit-signing");

        Assert.True((await JsonAsync(verified)).GetProperty("valid").GetBoolean());
        Assert.False((await JsonAsync(forged)).GetProperty("valid").GetBoolean());
        Assert.Equal(HttpStatusCode.Forbidden, notAudit.StatusCode);
        using var publicKey = ECDsa.Create();
        publicKey.ImportSubjectPublicKeyInfo(Convert.FromBase64String((await JsonAsync(metadata)).GetProperty("versions")[0].GetProperty("public_key").GetString()!), out _);
        Assert.True(publicKey.VerifyData(Convert.FromBase64String(message), Convert.FromBase64String(signature.GetProperty("signature").GetString()!), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public async Task Metadata_CountsWrapsPerVersion_ShowsNoKeyMaterial_AndOnlyToTheKeysOwnCallers()
    {
        await GenerateAsync();
        await GenerateAsync();

        using var metadata = await _host.GetAsync(ResourceNames.Records, "/keys/records-phi");
        using var stranger = await _host.GetAsync(ResourceNames.Consent, "/keys/records-phi");
        var body = await metadata.Content.ReadAsStringAsync();
        var version = (await JsonAsync(metadata)).GetProperty("versions")[0];

        Assert.Equal(2, version.GetProperty("wrap_count").GetInt64());
        Assert.Equal(JsonValueKind.Null, version.GetProperty("public_key").ValueKind);
        Assert.DoesNotContain("material", body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.Forbidden, stranger.StatusCode);
    }

    private async Task<(string Wrapped, string Plaintext, int Version)> GenerateAsync()
    {
        using var response = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/data-keys", new { });
        var key = await JsonAsync(response);
        return (key.GetProperty("wrapped_key").GetString()!, key.GetProperty("plaintext_key").GetString()!, key.GetProperty("key_version").GetInt32());
    }

    private Task<HttpResponseMessage> UnwrapAsync(string operation, string wrapped) =>
        _host.PostAsync(ResourceNames.Records, $"/keys/records-phi/{operation}", new { wrapped_key = wrapped });

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
