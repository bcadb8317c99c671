using System.Security.Cryptography;
using System.Text;
using HealthPlatform.KeyManagement.Client;
using HealthPlatform.KeyManagement.Keys;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.Testing;

namespace HealthPlatform.KeyManagement.Tests;

/// <summary>
/// The client library against the running service over mTLS: ciphertexts bound to their context
/// and carrying their key and version, keys served from the bounded cache, and a destroyed
/// patient's key evicted from every running instance by the event.
/// </summary>
[Collection(KeyManagementInfrastructure.Name)]
public sealed class DataCipherTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime
{
    private static readonly byte[] Note = Encoding.UTF8.GetBytes("{\"resourceType\":\"Observation\",\"valueString\":\"HIV-1 RNA detected\"}");

    private KeyManagementHost _host = null!;
    private KeyManagementClientHost _records = null!;

    public async Task InitializeAsync()
    {
        _host = await KeyManagementHost.StartAsync(postgres, redis, broker);
        _records = await KeyManagementClientHost.StartAsync(_host, broker, ResourceNames.Records);
    }

    public async Task DisposeAsync()
    {
        await _records.DisposeAsync();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task PatientData_RoundTrips_UnderThePatientsKey_TheSecondTimeFromTheCache()
    {
        var context = new EncryptionContext("Observation", "obs-1", "pat-1");

        var ciphertext = await _records.Cipher.EncryptAsync("records-phi", context, Note, CancellationToken.None);
        var misses = _records.Cache.Misses;
        var plaintext = await _records.Cipher.DecryptAsync("records-phi", context, ciphertext, CancellationToken.None);

        Assert.Equal(Note, plaintext);
        Assert.Equal(misses, _records.Cache.Misses);
        Assert.True(SealedData.TryParse(ciphertext, out var parsed));
        Assert.Equal((SealedKeyKind.SubjectKey, "records-phi", 1), (parsed!.Kind, parsed.KeyName, parsed.KeyVersion));
        Assert.Equal(-1, ciphertext.AsSpan().IndexOf(Encoding.UTF8.GetBytes("HIV")));
        Assert.Equal(-1, ciphertext.AsSpan().IndexOf(Encoding.UTF8.GetBytes("pat-1")));
    }

    [Fact]
    public async Task ACiphertext_MovedToAnotherResourceIdOrPatient_OrAltered_DoesNotDecrypt()
    {
        var context = new EncryptionContext("Observation", "obs-1", "pat-1");
        var ciphertext = await _records.Cipher.EncryptAsync("records-phi", context, Note, CancellationToken.None);
        var altered = (byte[])ciphertext.Clone();
        altered[^20] ^= 1;

        EncryptionContext[] elsewhere =
        [
            new("Condition", "obs-1", "pat-1"),
            new("Observation", "obs-2", "pat-1"),
            new("Observation", "obs-1", "pat-2"),
        ];
        foreach (var other in elsewhere)
        {
            await Assert.ThrowsAnyAsync<CryptographicException>(() => _records.Cipher.DecryptAsync("records-phi", other, ciphertext, CancellationToken.None));
        }

        await Assert.ThrowsAnyAsync<CryptographicException>(() => _records.Cipher.DecryptAsync("records-phi", context, altered, CancellationToken.None));
        await Assert.ThrowsAnyAsync<CryptographicException>(() => _records.Cipher.DecryptAsync("records-phi", context, ciphertext.AsMemory(..^1), CancellationToken.None));
        await Assert.ThrowsAnyAsync<CryptographicException>(() => _records.Cipher.DecryptAsync("consent-phi", context, ciphertext, CancellationToken.None));
        await Assert.ThrowsAnyAsync<CryptographicException>(() => _records.Cipher.DecryptAsync("records-phi", new EncryptionContext("Observation", "obs-1", null), ciphertext, CancellationToken.None));
    }

    [Fact]
    public async Task DataAboutNoPatient_TravelsWithItsWrappedDataKey_AndStillDecryptsAfterRotation_InAFreshInstance()
    {
        var context = new EncryptionContext("Organization", "org-1", null);
        var before = await _records.Cipher.EncryptAsync("records-phi", context, Note, CancellationToken.None);
        await _host.Services.GetRequiredService<KeyRing>().RotateAsync("records-phi", ManagedKeyKind.Encryption, _ => true, CancellationToken.None);
        await using var fresh = await KeyManagementClientHost.StartAsync(_host, broker, ResourceNames.Records);

        var after = await fresh.Cipher.EncryptAsync("records-phi", context, Note, CancellationToken.None);

        Assert.True(SealedData.TryParse(before, out var old));
        Assert.True(SealedData.TryParse(after, out var current));
        Assert.Equal((SealedKeyKind.WrappedDataKey, 1, 2), (old!.Kind, old.KeyVersion, current!.KeyVersion));
        Assert.Equal(Note, await fresh.Cipher.DecryptAsync("records-phi", context, before, CancellationToken.None));
        Assert.Equal(Note, await fresh.Cipher.DecryptAsync("records-phi", context, after, CancellationToken.None));
    }

    [Fact]
    public async Task AServiceTheKeysPolicyDoesNotName_GetsNoKey()
    {
        await using var audit = await KeyManagementClientHost.StartAsync(_host, broker, ResourceNames.Audit);

        var refused = await Assert.ThrowsAsync<KeyManagementException>(() =>
            audit.Cipher.EncryptAsync("records-phi", new EncryptionContext("Observation", "obs-1", "pat-1"), Note, CancellationToken.None));

        Assert.Equal(("not-allowed", 403), (refused.Code, refused.Status));
        Assert.Equal(0, audit.Cache.Count);
    }

    [Fact]
    public async Task ADestroyedPatientKey_LeavesTheCacheOfEveryRunningInstance_AndTheirDataNeverDecryptsAgain()
    {
        await using var second = await KeyManagementClientHost.StartAsync(_host, broker, ResourceNames.Records);
        var context = new EncryptionContext("Observation", "obs-9", "pat-9");
        var ciphertext = await _records.Cipher.EncryptAsync("records-phi", context, Note, CancellationToken.None);
        Assert.Equal(Note, await second.Cipher.DecryptAsync("records-phi", context, ciphertext, CancellationToken.None));
        Assert.Equal(1, _records.Cache.Count);
        Assert.Equal(1, second.Cache.Count);

        await _host.Services.GetRequiredService<SubjectKeys>().DestroyAsync("records-phi", "pat-9", "sec-officer-1", CancellationToken.None);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!(_records.Cache.IsDestroyed("records-phi", "pat-9") && second.Cache.IsDestroyed("records-phi", "pat-9")))
        {
            await Task.Delay(10, deadline.Token);
        }

        Assert.Equal((0, 0), (_records.Cache.Count, second.Cache.Count));
        foreach (var instance in new[] { _records, second })
        {
            await Assert.ThrowsAsync<SubjectKeyDestroyedException>(() => instance.Cipher.DecryptAsync("records-phi", context, ciphertext, CancellationToken.None));
        }

        // An instance that never heard the event is refused by the service itself.
        await using var late = await KeyManagementClientHost.StartAsync(_host, broker, ResourceNames.Records);
        await Assert.ThrowsAsync<SubjectKeyDestroyedException>(() => late.Cipher.DecryptAsync("records-phi", context, ciphertext, CancellationToken.None));
        Assert.True(late.Cache.IsDestroyed("records-phi", "pat-9"));
    }
}
