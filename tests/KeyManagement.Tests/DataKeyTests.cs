using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.KeyManagement.Infrastructure;
using HealthPlatform.KeyManagement.Keys;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HealthPlatform.KeyManagement.Tests;

/// <summary>
/// Envelope encryption over mTLS with the policy of the service's appsettings.json: records may
/// generate and unwrap data keys of <c>records-phi</c>, nobody else may; every operation, allowed
/// or refused, is an audit event; bad input is refused with a ProblemDetails code and no key material.
/// </summary>
[Collection(KeyManagementInfrastructure.Name)]
public sealed class DataKeyTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime
{
    private readonly AuditQueueProbe _audit = new(broker);
    private KeyManagementHost _host = null!;

    public async Task InitializeAsync() => _host = await KeyManagementHost.StartAsync(postgres, redis, broker);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Records_GetsAnAes256DataKey_AndUnwrapsItsWrap_BothAudited()
    {
        await _audit.PurgeAsync();

        using var generated = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/data-keys", new { });
        var key = await JsonAsync(generated);
        using var unwrapped = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/unwrap", new { wrapped_key = key.GetProperty("wrapped_key").GetString() });

        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        Assert.Equal(32, Convert.FromBase64String(key.GetProperty("plaintext_key").GetString()!).Length);
        Assert.Equal(1, key.GetProperty("key_version").GetInt32());
        Assert.Equal(HttpStatusCode.OK, unwrapped.StatusCode);
        Assert.Equal(key.GetProperty("plaintext_key").GetString(), (await JsonAsync(unwrapped)).GetProperty("plaintext_key").GetString());
        foreach (var operation in new[] { KeyOperation.GenerateDataKey, KeyOperation.Unwrap })
        {
            var audited = await _audit.WaitForAsync<KeyOperationPerformed>(e => e.Operation == operation);
            Assert.Equal(("records-phi", 1, AuditOutcome.Success, "spiffe://healthplatform/records"), (audited.KeyName, audited.KeyVersion, audited.Outcome, audited.Actor.ServiceIdentity));
        }
    }

    [Fact]
    public async Task WithoutPlaintext_OnlyTheWrapComesBack_AndUnwrapsLater()
    {
        using var generated = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/data-keys", new { include_plaintext = false });
        var key = await JsonAsync(generated);

        Assert.Equal(JsonValueKind.Null, key.GetProperty("plaintext_key").ValueKind);
        using var unwrapped = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/unwrap", new { wrapped_key = key.GetProperty("wrapped_key").GetString() });
        Assert.Equal(HttpStatusCode.OK, unwrapped.StatusCode);
    }

    [Fact]
    public async Task AServiceTheKeysPolicyDoesNotName_IsRefused_403_AndAudited()
    {
        using var generated = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/data-keys", new { });
        var wrapped = (await JsonAsync(generated)).GetProperty("wrapped_key").GetString();
        await _audit.PurgeAsync();

        using var generate = await _host.PostAsync(ResourceNames.Consent, "/keys/records-phi/data-keys", new { });
        using var unwrap = await _host.PostAsync(ResourceNames.Audit, "/keys/records-phi/unwrap", new { wrapped_key = wrapped });

        await AssertProblemAsync(generate, HttpStatusCode.Forbidden, "not-allowed");
        await AssertProblemAsync(unwrap, HttpStatusCode.Forbidden, "not-allowed");
        var denied = await _audit.WaitForAsync<KeyOperationPerformed>(e => e.Operation == KeyOperation.Unwrap);
        Assert.Equal((AuditOutcome.Denied, "spiffe://healthplatform/audit"), (denied.Outcome, denied.Actor.ServiceIdentity));
    }

    [Fact]
    public async Task UnknownKeys_BadNames_AndASigningKey_AreRefusedWithTheirCodes()
    {
        using var unknown = await _host.PostAsync(ResourceNames.Records, "/keys/billing-phi/data-keys", new { });
        using var badName = await _host.PostAsync(ResourceNames.Records, "/keys/Records_PHI/data-keys", new { });
        using var signing = await _host.PostAsync(ResourceNames.Audit, "/keys/audit-signing/data-keys", new { });

        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "unknown-key");
        await AssertProblemAsync(badName, HttpStatusCode.BadRequest, "invalid-key-name");
        await AssertProblemAsync(signing, HttpStatusCode.BadRequest, "wrong-key-kind");
    }

    [Fact]
    public async Task TamperedTruncatedForeignOrGarbledWraps_AreRefused_WithNoKeyMaterialInTheAnswer()
    {
        using var generated = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/data-keys", new { });
        var key = await JsonAsync(generated);
        var wrapped = Convert.FromBase64String(key.GetProperty("wrapped_key").GetString()!);
        var plaintext = key.GetProperty("plaintext_key").GetString()!;
        using var consentKey = await _host.PostAsync(ResourceNames.Consent, "/keys/consent-phi/data-keys", new { });
        var foreign = (await JsonAsync(consentKey)).GetProperty("wrapped_key").GetString();

        var tampered = (byte[])wrapped.Clone();
        tampered[^20] ^= 0x01;
        var otherVersion = (byte[])wrapped.Clone();
        otherVersion[4 + 1 + "records-phi".Length + 3] = 2;

        var answers = new[]
        {
            (await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/unwrap", new { wrapped_key = Convert.ToBase64String(tampered) }), "tampered-wrapped-key"),
            (await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/unwrap", new { wrapped_key = Convert.ToBase64String(wrapped[..^1]) }), "malformed-wrapped-key"),
            (await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/unwrap", new { wrapped_key = foreign }), "wrong-key"),
            (await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/unwrap", new { wrapped_key = Convert.ToBase64String(otherVersion) }), "unknown-key-version"),
            (await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/unwrap", new { wrapped_key = "not base64!" }), "malformed-wrapped-key"),
        };

        foreach (var (answer, code) in answers)
        {
            using (answer)
            {
                await AssertProblemAsync(answer, HttpStatusCode.BadRequest, code);
                Assert.DoesNotContain(plaintext, await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task KeyEncryptionKeys_AreStoredOnlyWrappedByTheRootKey()
    {
        using var generated = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/data-keys", new { });
        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);

        await using var scope = _host.Services.CreateAsyncScope();
        var record = await scope.ServiceProvider.GetRequiredService<KeyManagementDbContext>().KeyVersions.AsNoTracking().SingleAsync(version => version.KeyName == "records-phi");
        var context = System.Text.Encoding.ASCII.GetBytes("healthplatform-kek|records-phi|1");
        using var root = new ConfiguredRootKey(Options.Create(new KeyManagementOptions { RootKey = _host.RootKey }));
        using var otherRoot = new ConfiguredRootKey(Options.Create(new KeyManagementOptions { RootKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }));

        Assert.Equal(root.CurrentKeyId, record.RootKeyId);
        Assert.Equal(32, root.Unwrap(record.RootKeyId, record.WrappedMaterial, context).Length);
        Assert.Throws<RootKeyUnavailableException>(() => otherRoot.Unwrap(record.RootKeyId, record.WrappedMaterial, context));
        Assert.ThrowsAny<CryptographicException>(() => otherRoot.Unwrap(otherRoot.CurrentKeyId, record.WrappedMaterial, context));
        Assert.ThrowsAny<CryptographicException>(() => root.Unwrap(record.RootKeyId, record.WrappedMaterial, System.Text.Encoding.ASCII.GetBytes("healthplatform-kek|consent-phi|1")));
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
