using System.Net;
using System.Net.Http.Json;
using HealthPlatform.Audit.Ledger;
using HealthPlatform.Audit.Verification;
using HealthPlatform.KeyManagement.Tests;
using HealthPlatform.Testing;
using Npgsql;

namespace HealthPlatform.Audit.Tests;

/// <summary>
/// The hash chain and its signed checkpoints: what the producers send is stored once each and
/// verifies; an entry edited, deleted, inserted, or a chain rewritten with fresh hashes, directly in
/// the database with full privileges, is reported at the right entry; the service's own role can
/// neither update nor delete.
/// </summary>
[Collection(AuditInfrastructure.Name)]
public sealed class ChainTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : AuditServiceTest(postgres, redis, broker)
{
    [Fact]
    public async Task EventsFromProducers_AreStoredOnceEach_AndTheChainWithItsSignedCheckpointsVerifies()
    {
        var sent = await SendAccessesAsync(30);

        // Redelivery: the same events again (as after a lost acknowledgement) store nothing new.
        foreach (var access in sent.Take(5))
        {
            await AuditService.Trail.RecordAsync(access);
        }

        var ids = sent.Select(access => access.Header.EventId).ToList();
        Assert.Equal(30, await AuditService.WaitForEventsAsync(ids));
        await Task.Delay(500);
        Assert.Equal(30, await AuditService.QueryAsync<long>("SELECT count(*) FROM audit_entries WHERE event_id = ANY(@ids)", ("ids", ids.ToArray())));
        await AuditService.WaitForCheckpointAsync(await LastSequenceOfAsync(ids));

        // Key-management's own events (the checkpoint signatures) arrive through the same queue.
        Assert.True(await AuditService.QueryAsync<long>("SELECT count(*) FROM audit_entries WHERE event_type = 'KeyOperationPerformed' AND source = 'key-management'") > 0);

        var verification = await VerifyAsync();
        Assert.True(verification.Intact, verification.FirstProblem?.Detail);
        Assert.Null(verification.FirstProblem);
        Assert.True(verification.CheckpointsChecked >= 1);
        Assert.True(verification.EntriesChecked >= 30);
        Assert.True(verification.LastSignedSequence >= await LastSequenceOfAsync(ids));
    }

    [Fact]
    public async Task AnEntryEditedInTheDatabase_IsReportedAsChangedAtThatEntry()
    {
        var target = await StoreAndPickAsync();

        await AuditService.TamperAsync("UPDATE audit_entries SET patient_id = 'someone-else' WHERE sequence = @sequence", ("sequence", target));

        var problem = (await VerifyAsync()).FirstProblem;
        Assert.NotNull(problem);
        Assert.Equal("changed", problem.Kind);
        Assert.Equal(target, problem.Sequence);
    }

    [Fact]
    public async Task AnEntryDeletedFromTheDatabase_IsReportedAsRemovedAtItsPlace()
    {
        var target = await StoreAndPickAsync();

        await AuditService.TamperAsync("DELETE FROM audit_entries WHERE sequence = @sequence", ("sequence", target));

        var problem = (await VerifyAsync()).FirstProblem;
        Assert.NotNull(problem);
        Assert.Equal("removed", problem.Kind);
        Assert.Equal(target, problem.Sequence);
    }

    [Fact]
    public async Task AnEntryInsertedIntoTheDatabase_IsReportedAsInsertedAtItsPlace()
    {
        await StoreAndPickAsync();

        // A well-formed entry with a correct hash of its own, placed at the head under the writers' lock
        // (so the service's next appends follow it) — but not linked to the entry before it.
        long inserted = 0;
        await using (var connection = new NpgsqlConnection(AuditService.Database.Superuser))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var acquire = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
            {
                acquire.Parameters.AddWithValue("key", AuditLedger.ChainLock);
                await acquire.ExecuteNonQueryAsync();
            }

            await using var head = new NpgsqlCommand("SELECT max(sequence) FROM audit_entries", connection, transaction);
            inserted = (long)(await head.ExecuteScalarAsync())! + 1;
            var forged = LedgerEntries.From(AuditService.Access("patient-forged")).Chain(inserted, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), DateTimeOffset.UtcNow);
            await AuditLedger.CopyAsync(connection, [forged], CancellationToken.None);
            await transaction.CommitAsync();
        }

        var problem = (await VerifyAsync()).FirstProblem;
        Assert.NotNull(problem);
        Assert.Equal("inserted", problem.Kind);
        Assert.Equal(inserted, problem.Sequence);
    }

    [Fact]
    public async Task AChainRewrittenWithFreshHashes_IsCaughtByTheSignedCheckpoint()
    {
        var target = await StoreAndPickAsync();
        await AuditService.WaitForCheckpointAsync(target);

        // The attacker knows the algorithm (it has no secret): edits an entry and re-links everything after it.
        await using (var connection = new NpgsqlConnection(AuditService.Database.Superuser))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var setup = new NpgsqlCommand("SET LOCAL session_replication_role = replica; SELECT pg_advisory_xact_lock(@key)", connection, transaction))
            {
                setup.Parameters.AddWithValue("key", AuditLedger.ChainLock);
                await setup.ExecuteNonQueryAsync();
            }

            var entries = new List<LedgerEntry>();
            await using (var read = new NpgsqlCommand(
                $"SELECT {AuditEntryReader.Columns} FROM audit_entries WHERE sequence >= @from ORDER BY sequence",
                connection,
                transaction))
            {
                read.Parameters.AddWithValue("from", target);
                await using var reader = await read.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    entries.Add(AuditEntryReader.Read(reader));
                }
            }

            var previous = entries[0].PreviousHash;
            foreach (var entry in entries)
            {
                var rewritten = (entry.Sequence == target ? entry with { PatientId = "someone-else" } : entry).Chain(entry.Sequence, previous, entry.RecordedAt);
                previous = rewritten.Hash;
                await using var update = new NpgsqlCommand("UPDATE audit_entries SET patient_id = @patient, previous_hash = @previous, hash = @hash WHERE sequence = @sequence", connection, transaction);
                update.Parameters.AddWithValue("patient", (object?)rewritten.PatientId ?? DBNull.Value);
                update.Parameters.AddWithValue("previous", rewritten.PreviousHash);
                update.Parameters.AddWithValue("hash", rewritten.Hash);
                update.Parameters.AddWithValue("sequence", rewritten.Sequence);
                await update.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
        }

        var problem = (await VerifyAsync()).FirstProblem;
        Assert.NotNull(problem);
        Assert.Equal("rewritten", problem.Kind);
        Assert.InRange(problem.Sequence, 1, target);
    }

    [Fact]
    public async Task TheRoleTheServiceRunsAs_CannotUpdateDeleteOrTruncateTheLog_AndEvenTheOwnerIsStopped()
    {
        var target = await StoreAndPickAsync();
        Assert.Equal("Healthy", await AuditService.HealthOfAsync("audit-append-only"));

        foreach (var sql in new[]
        {
            "UPDATE audit_entries SET patient_id = 'someone-else' WHERE sequence = @sequence",
            "DELETE FROM audit_entries WHERE sequence = @sequence",
            "TRUNCATE audit_entries",
            "UPDATE audit_checkpoints SET sequence = 0 WHERE number = 1",
            "DELETE FROM audit_checkpoints",
        })
        {
            foreach (var role in new[] { AuditService.Database.Runtime, AuditService.Database.Owner })
            {
                await using var connection = new NpgsqlConnection(role);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(sql, connection);
                command.Parameters.AddWithValue("sequence", target);
                var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
            }
        }

        Assert.True((await VerifyAsync()).Intact);
    }

    [Fact]
    public async Task Verification_IsForSecurityOfficersWithASecondFactorOnly()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await AuditService.SendAsync(HttpMethod.Post, "/audit/verify", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await AuditService.SendAsync(HttpMethod.Post, "/audit/verify", AuditService.OfficerToken(amr: ["pwd"]))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await AuditService.SendAsync(HttpMethod.Post, "/audit/verify", AuditService.OfficerToken(role: "physician"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await AuditService.SendAsync(HttpMethod.Post, "/audit/verify", AuditService.OfficerToken(scope: "user/Observation.rs"))).StatusCode);
        var patient = AuditService.Token(new Dictionary<string, object>
        {
            ["sub"] = "patient-user-1",
            ["scope"] = "patient/AuditEvent.rs",
            ["patient"] = "patient-1",
            ["role"] = "security-officer",
            ["amr"] = new[] { "pwd", "mfa" },
        });
        Assert.Equal(HttpStatusCode.Forbidden, (await AuditService.SendAsync(HttpMethod.Post, "/audit/verify", patient)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AuditService.SendAsync(HttpMethod.Post, "/audit/verify", AuditService.OfficerToken())).StatusCode);
    }

    private async Task<List<Contracts.Audit.PatientDataAccessed>> SendAccessesAsync(int count)
    {
        var sent = new List<Contracts.Audit.PatientDataAccessed>();
        for (var i = 0; i < count; i++)
        {
            var access = AuditService.Access($"patient-{i % 7}");
            await AuditService.Trail.RecordAsync(access);
            sent.Add(access);
        }

        return sent;
    }

    /// <summary>Stores ten accesses and returns the sequence of the fifth.</summary>
    private async Task<long> StoreAndPickAsync()
    {
        var ids = (await SendAccessesAsync(10)).Select(access => access.Header.EventId).ToList();
        await AuditService.WaitForEventsAsync(ids);
        Assert.True((await VerifyAsync()).Intact);
        return await AuditService.QueryAsync<long>("SELECT sequence FROM audit_entries WHERE event_id = @id", ("id", ids[4]));
    }

    private Task<long> LastSequenceOfAsync(List<Guid> ids) =>
        AuditService.QueryAsync<long>("SELECT max(sequence) FROM audit_entries WHERE event_id = ANY(@ids)", ("ids", ids.ToArray()));

    private async Task<ChainVerification> VerifyAsync()
    {
        var response = await AuditService.SendAsync(HttpMethod.Post, "/audit/verify", AuditService.OfficerToken());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ChainVerification>())!;
    }
}
