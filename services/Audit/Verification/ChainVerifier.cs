using System.Text.Json.Serialization;
using HealthPlatform.Audit.Checkpoints;
using HealthPlatform.Audit.Ledger;
using HealthPlatform.KeyManagement.Client;
using Npgsql;

namespace HealthPlatform.Audit.Verification;

/// <summary>What a walk of the chain found; <see cref="FirstProblem"/> is null when nothing was.</summary>
public sealed record ChainVerification(
    [property: JsonPropertyName("intact")] bool Intact,
    [property: JsonPropertyName("entries_checked")] long EntriesChecked,
    [property: JsonPropertyName("checkpoints_checked")] long CheckpointsChecked,
    [property: JsonPropertyName("last_signed_sequence")] long LastSignedSequence,
    [property: JsonPropertyName("last_signed_at")] DateTimeOffset? LastSignedAt,
    [property: JsonPropertyName("unsigned_entries")] long UnsignedEntries,
    [property: JsonPropertyName("first_problem")] ChainProblem? FirstProblem);

/// <summary>
/// The first place the chain is not what was written: <c>changed</c> (an entry's content no
/// longer matches its hash), <c>removed</c> (an entry is missing), <c>inserted</c> (an entry that
/// does not link to its predecessor), <c>rewritten</c> (the chain is consistent but not the one a
/// checkpoint signed), <c>checkpoint-invalid</c> or <c>checkpoint-removed</c>.
/// </summary>
public sealed record ChainProblem(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("sequence")] long Sequence,
    [property: JsonPropertyName("event_id")] Guid? EventId,
    [property: JsonPropertyName("detail")] string Detail);

/// <summary>
/// Walks the whole chain in order, recomputing each entry's hash and link, and checks every
/// checkpoint's signature (with key-management) and that the chain passes through the head it
/// signed. Entries after the last checkpoint are only as trustworthy as the chain's own links: the
/// report says how many there are.
/// </summary>
public sealed class ChainVerifier(NpgsqlDataSource database, KeyManagementApi keys)
{
    public async Task<ChainVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);

        // One snapshot for checkpoints and entries: a concurrent append is either wholly seen or not.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var checkpoints = await CheckpointsAsync(connection, transaction, cancellationToken);
        var (problem, checkedCheckpoints) = await CheckSignaturesAsync(checkpoints, cancellationToken);
        var signedUpTo = checkpoints.Count > 0 ? checkpoints[^1].Sequence : 0;
        var bySequence = checkpoints.GroupBy(c => c.Sequence).ToDictionary(group => group.Key, group => group.First());

        long entries = 0;
        if (problem is null)
        {
            (problem, entries) = await WalkAsync(connection, transaction, bySequence, cancellationToken);
        }

        if (problem is null && signedUpTo > entries)
        {
            problem = new ChainProblem("removed", entries + 1, null, $"Checkpoint {checkpoints[^1].Number} signed entries up to {signedUpTo}; the chain ends at {entries}.");
        }

        return new ChainVerification(
            problem is null, entries, checkedCheckpoints, signedUpTo, checkpoints.Count > 0 ? checkpoints[^1].CreatedAt : null, Math.Max(0, entries - signedUpTo), problem);
    }

    private async Task<(ChainProblem? Problem, long Checked)> CheckSignaturesAsync(List<Checkpoint> checkpoints, CancellationToken cancellationToken)
    {
        long expected = 1;
        foreach (var checkpoint in checkpoints)
        {
            if (checkpoint.Number != expected)
            {
                return (new ChainProblem("checkpoint-removed", checkpoint.Sequence, null, $"Checkpoint {expected} is missing (the next one is {checkpoint.Number})."), expected - 1);
            }

            var signature = new Signature(checkpoint.KeyName, checkpoint.KeyVersion, checkpoint.Signature);
            if (checkpoint.EntryCount != checkpoint.Sequence
                || !await VerifiesAsync(checkpoint, signature, cancellationToken))
            {
                return (new ChainProblem("checkpoint-invalid", checkpoint.Sequence, null, $"Checkpoint {checkpoint.Number}'s signature does not verify: it was not made by this platform's signing key."), expected - 1);
            }

            expected++;
        }

        return (null, checkpoints.Count);
    }

    private async Task<bool> VerifiesAsync(Checkpoint checkpoint, Signature signature, CancellationToken cancellationToken)
    {
        try
        {
            return await keys.VerifyAsync(checkpoint.KeyName, checkpoint.SignedBytes(), signature, cancellationToken);
        }
        catch (KeyManagementException)
        {
            // An unknown key or version, a refused signature shape: not this platform's signature.
            return false;
        }
    }

    private static async Task<(ChainProblem? Problem, long Entries)> WalkAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Dictionary<long, Checkpoint> checkpoints, CancellationToken cancellationToken)
    {
        await using var query = new NpgsqlCommand(
            $"SELECT {AuditEntryReader.Columns} FROM audit_entries ORDER BY sequence",
            connection,
            transaction);
        await using var reader = await query.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        long expected = 1;
        long lastCheckpointed = 0;
        var previous = LedgerEntry.Genesis;
        while (await reader.ReadAsync(cancellationToken))
        {
            var entry = AuditEntryReader.Read(reader);
            if (entry.Sequence != expected)
            {
                return (new ChainProblem("removed", expected, null, $"Entries {expected}–{entry.Sequence - 1} are missing."), expected - 1);
            }

            if (!entry.ComputeHash().AsSpan().SequenceEqual(entry.Hash))
            {
                return (new ChainProblem("changed", entry.Sequence, entry.EventId, "The entry's content does not match its hash."), expected - 1);
            }

            if (!entry.PreviousHash.AsSpan().SequenceEqual(previous))
            {
                return (new ChainProblem("inserted", entry.Sequence, entry.EventId, "The entry does not link to the one before it: it was not appended by the chain."), expected - 1);
            }

            if (checkpoints.TryGetValue(entry.Sequence, out var checkpoint))
            {
                if (!checkpoint.HeadHash.AsSpan().SequenceEqual(entry.Hash))
                {
                    return (new ChainProblem(
                        "rewritten",
                        lastCheckpointed + 1,
                        null,
                        $"Checkpoint {checkpoint.Number} signed a different chain: entries {lastCheckpointed + 1}–{entry.Sequence} were replaced and re-linked."), expected - 1);
                }

                lastCheckpointed = entry.Sequence;
            }

            previous = entry.Hash;
            expected++;
        }

        return (null, expected - 1);
    }

    private static async Task<List<Checkpoint>> CheckpointsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var query = new NpgsqlCommand(
            "SELECT number, sequence, head_hash, entry_count, created_at, key_name, key_version, signature FROM audit_checkpoints ORDER BY number", connection, transaction);
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        var checkpoints = new List<Checkpoint>();
        while (await reader.ReadAsync(cancellationToken))
        {
            checkpoints.Add(new Checkpoint
            {
                Number = reader.GetInt64(0),
                Sequence = reader.GetInt64(1),
                HeadHash = (byte[])reader[2],
                EntryCount = reader.GetInt64(3),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(4),
                KeyName = reader.GetString(5),
                KeyVersion = reader.GetInt32(6),
                Signature = (byte[])reader[7],
            });
        }

        return checkpoints;
    }
}

/// <summary>Reads an <c>audit_entries</c> row, columns in table order.</summary>
public static class AuditEntryReader
{
    /// <summary>Every column, in the order <see cref="Read"/> reads them (and COPY writes them).</summary>
    public const string Columns = "sequence, event_id, event_type, schema_version, occurred_at, recorded_at, source, patient_id, agent_user_id, agent_client_id, action, outcome, payload, previous_hash, hash";

    public static LedgerEntry Read(NpgsqlDataReader reader) => new()
    {
        Sequence = reader.GetInt64(0),
        EventId = reader.GetGuid(1),
        EventType = reader.GetString(2),
        SchemaVersion = reader.GetInt32(3),
        OccurredAt = reader.GetFieldValue<DateTimeOffset>(4),
        RecordedAt = reader.GetFieldValue<DateTimeOffset>(5),
        Source = reader.GetString(6),
        PatientId = reader.IsDBNull(7) ? null : reader.GetString(7),
        AgentUserId = reader.IsDBNull(8) ? null : reader.GetString(8),
        AgentClientId = reader.IsDBNull(9) ? null : reader.GetString(9),
        Action = reader.GetString(10),
        Outcome = reader.GetString(11),
        Payload = reader.GetString(12),
        PreviousHash = reader.GetFieldValue<byte[]>(13),
        Hash = reader.GetFieldValue<byte[]>(14),
    };
}
