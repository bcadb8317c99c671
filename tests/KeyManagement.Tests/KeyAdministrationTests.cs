using System.Net;
using System.Text.Json;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.KeyManagement.Keys;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Security;
using HealthPlatform.Testing;
using Npgsql;

namespace HealthPlatform.KeyManagement.Tests;

/// <summary>
/// Rotate now, minimum decryption version and crypto-shredding take the operator certificate and a
/// security officer's MFA token together (real tokens, signed by a test key and validated as the
/// service validates every token); every attempt is audited.
/// </summary>
[Collection(KeyManagementInfrastructure.Name)]
public sealed class KeyAdministrationTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime
{
    private const string Operator = KeyAdministrationEndpoints.OperatorIdentity;
    private readonly AuditQueueProbe _audit = new(broker);
    private KeyManagementHost _host = null!;

    public async Task InitializeAsync() => _host = await KeyManagementHost.StartAsync(postgres, redis, broker);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ASecurityOfficerWithMfa_OnTheOperatorCertificate_RotatesNow_AndRetiresOldVersions_Audited()
    {
        using var generated = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/data-keys", new { });
        var oldWrap = (await JsonAsync(generated)).GetProperty("wrapped_key").GetString();

        using var rotated = await AdministerAsync("/admin/keys/records-phi/rotate", new { reason = "INC-2041 suspected key exposure" });
        using var retired = await AdministerAsync("/admin/keys/records-phi/minimum-decryption-version", new { version = 2, reason = "INC-2041" });
        using var refusedOldWrap = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/unwrap", new { wrapped_key = oldWrap });

        Assert.Equal(2, (await JsonAsync(rotated)).GetProperty("key_version").GetInt32());
        Assert.Equal(2, (await JsonAsync(retired)).GetProperty("minimum_decryption_version").GetInt32());
        Assert.Equal("version-retired", await CodeAsync(refusedOldWrap));
        var audited = await _audit.WaitForAsync<KeyOperationPerformed>(e => e.Operation == KeyOperation.Rotate && e.Outcome == AuditOutcome.Success);
        Assert.Equal(("sec-sally", "admin-console", ServiceIdentity.UriOf(Operator), 2, "INC-2041 suspected key exposure"),
            (audited.Actor.UserId, audited.Actor.ClientId, audited.Actor.ServiceIdentity, audited.KeyVersion, audited.Reason));
        Assert.Contains("security-officer", audited.Actor.Roles);
        await _audit.WaitForAsync<KeyOperationPerformed>(e => e.Operation == KeyOperation.SetMinimumDecryptionVersion && e.Outcome == AuditOutcome.Success && e.KeyVersion == 2);
    }

    [Fact]
    public async Task WithoutBothProofs_OrWithLessThanAnOfficersMfaToken_NothingChanges_AndEachRefusalIsAudited()
    {
        var withoutMfa = Officer(amr: ["pwd"]);
        var physician = Officer(role: "physician");
        var withoutScope = Officer(scope: "user/Observation.rs");
        var forRecords = _host.Tokens.Mint(audience: ResourceNames.Records, claims: OfficerClaims());

        using var noToken = await _host.PostAsync(Operator, "/admin/keys/records-phi/rotate", new { }, accessToken: null);
        using var wrongAudience = await _host.PostAsync(Operator, "/admin/keys/records-phi/rotate", new { }, forRecords);
        using var noMfa = await _host.PostAsync(Operator, "/admin/keys/records-phi/rotate", new { }, withoutMfa);
        using var notAnOfficer = await _host.PostAsync(Operator, "/admin/keys/records-phi/rotate", new { }, physician);
        using var noScope = await _host.PostAsync(Operator, "/admin/keys/records-phi/rotate", new { }, withoutScope);
        using var aService = await _host.PostAsync(ResourceNames.Records, "/admin/keys/records-phi/rotate", new { }, Officer());

        Assert.Equal((HttpStatusCode.Unauthorized, "token-required"), (noToken.StatusCode, await CodeAsync(noToken)));
        Assert.Equal("Bearer", noToken.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid-token"), (wrongAudience.StatusCode, await CodeAsync(wrongAudience)));
        foreach (var refused in new[] { noMfa, notAnOfficer, noScope })
        {
            Assert.Equal((HttpStatusCode.Forbidden, "security-officer-mfa-required"), (refused.StatusCode, await CodeAsync(refused)));
        }

        Assert.Equal(HttpStatusCode.Forbidden, aService.StatusCode);
        // Version 1 exists from the start (the scheduled rotation's first look creates it); none was added.
        Assert.Single(await _host.Services.GetRequiredService<KeyRing>().VersionsAsync("records-phi", CancellationToken.None));
        var denied = await _audit.WaitForAsync<KeyOperationPerformed>(e => e.Operation == KeyOperation.Rotate && e.Outcome == AuditOutcome.Denied && e.Actor.UserId == "sec-sally" && e.Actor.Roles.Contains("physician"));
        Assert.Equal(ServiceIdentity.UriOf(Operator), denied.Actor.ServiceIdentity);
    }

    [Fact]
    public async Task ARevokedOfficersToken_IsRefused()
    {
        var token = Officer();
        using var before = await _host.PostAsync(Operator, "/admin/keys/consent-phi/minimum-decryption-version", new { }, token);
        Assert.Equal("invalid-version", await CodeAsync(before));

        _host.Tokens.RevokeSubject("sec-sally");

        // The service re-reads the list every second here; the same harmless request tells when it has.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            using var probe = await _host.PostAsync(Operator, "/admin/keys/consent-phi/minimum-decryption-version", new { }, token);
            if (probe.StatusCode == HttpStatusCode.Unauthorized)
            {
                Assert.Equal("invalid-token", await CodeAsync(probe));
                break;
            }

            await Task.Delay(200, deadline.Token);
        }

        using var rotate = await _host.PostAsync(Operator, "/admin/keys/consent-phi/rotate", new { }, token);
        Assert.Equal(HttpStatusCode.Unauthorized, rotate.StatusCode);
        Assert.Single(await _host.Services.GetRequiredService<KeyRing>().VersionsAsync("consent-phi", CancellationToken.None));
    }

    [Fact]
    public async Task TheMinimumVersion_IsAVersionOfTheKey_AndNeverGoesDown()
    {
        using var rotated = await AdministerAsync("/admin/keys/records-phi/rotate", new { });
        using var raised = await AdministerAsync("/admin/keys/records-phi/minimum-decryption-version", new { version = 2 });

        using var lowered = await _host.PostAsync(Operator, "/admin/keys/records-phi/minimum-decryption-version", new { version = 1 }, Officer());
        using var beyond = await _host.PostAsync(Operator, "/admin/keys/records-phi/minimum-decryption-version", new { version = 3 }, Officer());
        using var missing = await _host.PostAsync(Operator, "/admin/keys/records-phi/minimum-decryption-version", new { }, Officer());
        using var unknownKey = await _host.PostAsync(Operator, "/admin/keys/no-such-key/rotate", new { }, Officer());

        Assert.Equal("minimum-cannot-decrease", await CodeAsync(lowered));
        Assert.Equal("invalid-version", await CodeAsync(beyond));
        Assert.Equal("invalid-version", await CodeAsync(missing));
        Assert.Equal((HttpStatusCode.NotFound, "unknown-key"), (unknownKey.StatusCode, await CodeAsync(unknownKey)));
        Assert.Equal(2, (await _host.Services.GetRequiredService<KeyRing>().StateAsync("records-phi", CancellationToken.None))!.MinimumDecryptionVersion);
    }

    [Fact]
    public async Task DestroyingAPatientsKey_TakesAReason_ThenTheKeyIsRefusedForever_AndItsBytesAreInNoFileOfTheDatabase()
    {
        using var obtained = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/subjects/pat-erase", new { });
        var plaintext = Convert.FromBase64String((await JsonAsync(obtained)).GetProperty("plaintext_key").GetString()!);
        byte[] wrapped;
        await using (var connection = new NpgsqlConnection(_host.Database))
        {
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand("SELECT wrapped_key FROM subject_keys WHERE subject_id = 'pat-erase'", connection);
            wrapped = (byte[])(await read.ExecuteScalarAsync())!;
        }

        using var withoutReason = await _host.PostAsync(Operator, "/admin/keys/records-phi/subjects/pat-erase/destroy", new { }, Officer());
        using var badSubject = await _host.PostAsync(Operator, "/admin/keys/records-phi/subjects/bad%20id/destroy", new { reason = "ER-1" }, Officer());
        using var signingKey = await _host.PostAsync(Operator, "/admin/keys/audit-signing/subjects/pat-erase/destroy", new { reason = "ER-1" }, Officer());
        Assert.Equal("reason-required", await CodeAsync(withoutReason));
        Assert.Equal("invalid-subject", await CodeAsync(badSubject));
        Assert.Equal("wrong-key-kind", await CodeAsync(signingKey));

        using var destroyed = await AdministerAsync("/admin/keys/records-phi/subjects/pat-erase/destroy", new { reason = "Erasure request ER-7731" });
        using var again = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/subjects/pat-erase", new { });

        Assert.True((await JsonAsync(destroyed)).GetProperty("had_key").GetBoolean());
        Assert.Equal((HttpStatusCode.Gone, "subject-key-destroyed"), (again.StatusCode, await CodeAsync(again)));
        var audited = await _audit.WaitForAsync<KeyOperationPerformed>(e => e.Operation == KeyOperation.DestroySubjectKey && e.Outcome == AuditOutcome.Success);
        Assert.Equal(("pat-erase", "Erasure request ER-7731", "sec-sally"), (audited.SubjectId, audited.Reason, audited.Actor.UserId));

        var files = await DatabaseFilesAsync();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(wrapped) < 0, $"The destroyed key's wrap is still in {Path.GetFileName(file)}.");
            Assert.True(bytes.AsSpan().IndexOf(plaintext) < 0, $"The destroyed key is still in {Path.GetFileName(file)}.");
        }

        // After a restart too.
        await using var restarted = await KeyManagementHost.StartAsync(postgres, redis, broker, replicaOf: _host);
        using var afterRestart = await restarted.PostAsync(ResourceNames.Records, "/keys/records-phi/subjects/pat-erase", new { });
        Assert.Equal(HttpStatusCode.Gone, afterRestart.StatusCode);
    }

    [Fact]
    public async Task ARestoredBackup_DoesNotBringADestroyedKeyBack_TheJournalDestroysItAgainBeforeTheServiceIsReady()
    {
        using var obtained = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/subjects/pat-restore", new { });
        Assert.Equal(HttpStatusCode.OK, obtained.StatusCode);
        await using var connection = new NpgsqlConnection(_host.Database);
        await connection.OpenAsync();
        byte[] backedUp;
        await using (var backup = new NpgsqlCommand("SELECT wrapped_key FROM subject_keys WHERE subject_id = 'pat-restore'", connection))
        {
            backedUp = (byte[])(await backup.ExecuteScalarAsync())!;
        }

        using var destroyed = await AdministerAsync("/admin/keys/records-phi/subjects/pat-restore/destroy", new { reason = "Erasure request ER-8812" });

        // The backup taken before the destruction is restored (the row as it was).
        await using (var restore = new NpgsqlCommand("UPDATE subject_keys SET wrapped_key = @key, destroyed_at = NULL, destroyed_by = NULL WHERE subject_id = 'pat-restore'", connection))
        {
            restore.Parameters.AddWithValue("key", backedUp);
            Assert.Equal(1, await restore.ExecuteNonQueryAsync());
        }

        await using var restarted = await KeyManagementHost.StartAsync(postgres, redis, broker, replicaOf: _host);
        using var afterRestore = await restarted.PostAsync(ResourceNames.Records, "/keys/records-phi/subjects/pat-restore", new { });

        Assert.Equal((HttpStatusCode.Gone, "subject-key-destroyed"), (afterRestore.StatusCode, await CodeAsync(afterRestore)));
        await using (var read = new NpgsqlCommand("SELECT wrapped_key IS NULL AND destroyed_by = 'tombstone-journal' FROM subject_keys WHERE subject_id = 'pat-restore'", connection))
        {
            Assert.True((bool)(await read.ExecuteScalarAsync())!);
        }

        var replayed = await _audit.WaitForAsync<KeyOperationPerformed>(e => e.Operation == KeyOperation.DestroySubjectKey && e.SubjectId == "pat-restore" && e.Actor.UserId is null);
        Assert.Contains("tombstone journal", replayed.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(backedUp), await File.ReadAllTextAsync(_host.Journal), StringComparison.Ordinal);
    }

    /// <summary>Every file of the service's database on disk, after a checkpoint wrote every page out.</summary>
    private async Task<IReadOnlyList<string>> DatabaseFilesAsync()
    {
        await using var connection = new NpgsqlConnection(_host.Database);
        await connection.OpenAsync();
        await using (var checkpoint = new NpgsqlCommand("CHECKPOINT", connection))
        {
            await checkpoint.ExecuteNonQueryAsync();
        }

        await using var locate = new NpgsqlCommand("SELECT current_setting('data_directory'), pg_relation_filepath('subject_keys')", connection);
        await using var reader = await locate.ExecuteReaderAsync();
        await reader.ReadAsync();
        var databaseDirectory = Path.GetDirectoryName(Path.Combine(reader.GetString(0), reader.GetString(1)))!;
        return Directory.GetFiles(databaseDirectory);
    }

    private async Task<HttpResponseMessage> AdministerAsync(string path, object body)
    {
        var response = await _host.PostAsync(Operator, path, body, Officer());
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    private string Officer(string role = "security-officer", string scope = "key-management.admin", string[]? amr = null) =>
        _host.Tokens.Mint(audience: ResourceNames.KeyManagement, claims: OfficerClaims(role, scope, amr));

    private static Dictionary<string, object> OfficerClaims(string role = "security-officer", string scope = "key-management.admin", string[]? amr = null) => new()
    {
        ["sub"] = "sec-sally",
        ["client_id"] = "admin-console",
        ["role"] = role,
        ["scope"] = scope,
        ["amr"] = amr ?? ["pwd", "otp", "mfa"],
    };

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static async Task<string?> CodeAsync(HttpResponseMessage response) =>
        (await JsonAsync(response)).TryGetProperty("code", out var code) ? code.GetString() : null;
}
