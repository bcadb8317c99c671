using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Audit.Ledger;

/// <summary>
/// One stored audit event: the columns queries search by, the event itself as JSON, and its link
/// in the hash chain. Every column is covered by <see cref="Hash"/>, so editing any of them — a
/// patient id to hide an access from that patient's history included — breaks the chain at this
/// entry. Rows are only ever inserted (the service's database role cannot update or delete them).
/// </summary>
public sealed record LedgerEntry
{
    /// <summary>The position in the chain: 1, 2, 3 … with no gaps.</summary>
    public long Sequence { get; init; }

    public required Guid EventId { get; init; }

    /// <summary>The audit event type's name, e.g. <c>PatientDataAccessed</c>.</summary>
    public required string EventType { get; init; }

    public required int SchemaVersion { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }

    public DateTimeOffset RecordedAt { get; init; }

    /// <summary>The producing service.</summary>
    public required string Source { get; init; }

    /// <summary>The FHIR Patient id whose data the event concerns, if any.</summary>
    public string? PatientId { get; init; }

    /// <summary>The acting user's subject id, if a user acted.</summary>
    public string? AgentUserId { get; init; }

    /// <summary>The client application the actor came through.</summary>
    public string? AgentClientId { get; init; }

    /// <summary>FHIR AuditEvent.action: C, R, U, D or E.</summary>
    public required string Action { get; init; }

    /// <summary>FHIR AuditEvent.outcome: 0 (success), 4 (minor failure: refused), 8 (serious failure).</summary>
    public required string Outcome { get; init; }

    /// <summary>The event as JSON, exactly as hashed.</summary>
    public required string Payload { get; init; }

    public byte[] PreviousHash { get; init; } = [];

    public byte[] Hash { get; init; } = [];

    /// <summary>The predecessor of the first entry.</summary>
    public static byte[] Genesis => new byte[32];

    /// <summary>Postgres keeps microseconds: everything hashed is cut to them first, so a stored entry hashes as it was written.</summary>
    public static DateTimeOffset ToStoredPrecision(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);

    /// <summary>This entry placed at <paramref name="sequence"/> after <paramref name="previousHash"/>, hashed.</summary>
    public LedgerEntry Chain(long sequence, byte[] previousHash, DateTimeOffset recordedAt)
    {
        var placed = this with
        {
            Sequence = sequence,
            OccurredAt = ToStoredPrecision(OccurredAt),
            RecordedAt = ToStoredPrecision(recordedAt),
            PreviousHash = previousHash,
        };
        return placed with { Hash = placed.ComputeHash() };
    }

    /// <summary>SHA-256 over the predecessor's hash and the canonical encoding of every column.</summary>
    public byte[] ComputeHash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(PreviousHash);
        var encoding = new CanonicalEncoding(hash);
        encoding.Add("HPAUDIT1"u8);
        encoding.Add(Sequence);
        encoding.Add(EventId.ToByteArray(bigEndian: true));
        encoding.Add(EventType);
        encoding.Add(SchemaVersion);
        encoding.Add(ToStoredPrecision(OccurredAt));
        encoding.Add(ToStoredPrecision(RecordedAt));
        encoding.Add(Source);
        encoding.Add(PatientId);
        encoding.Add(AgentUserId);
        encoding.Add(AgentClientId);
        encoding.Add(Action);
        encoding.Add(Outcome);
        encoding.Add(Payload);
        return hash.GetHashAndReset();
    }

    internal static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<LedgerEntry>(entry =>
        {
            entry.ToTable("audit_entries");
            entry.HasKey(e => e.Sequence);
            entry.Property(e => e.Sequence).HasColumnName("sequence").ValueGeneratedNever();
            entry.Property(e => e.EventId).HasColumnName("event_id");
            entry.HasIndex(e => e.EventId).IsUnique();
            entry.Property(e => e.EventType).HasColumnName("event_type").HasMaxLength(64);
            entry.Property(e => e.SchemaVersion).HasColumnName("schema_version");
            entry.Property(e => e.OccurredAt).HasColumnName("occurred_at");
            entry.HasIndex(e => e.OccurredAt);
            entry.Property(e => e.RecordedAt).HasColumnName("recorded_at");
            entry.Property(e => e.Source).HasColumnName("source").HasMaxLength(64);
            entry.Property(e => e.PatientId).HasColumnName("patient_id").HasMaxLength(64);
            entry.HasIndex(e => new { e.PatientId, e.OccurredAt });
            entry.Property(e => e.AgentUserId).HasColumnName("agent_user_id").HasMaxLength(256);
            entry.HasIndex(e => new { e.AgentUserId, e.OccurredAt });
            entry.Property(e => e.AgentClientId).HasColumnName("agent_client_id").HasMaxLength(256);
            entry.Property(e => e.Action).HasColumnName("action").HasMaxLength(1);
            entry.Property(e => e.Outcome).HasColumnName("outcome").HasMaxLength(2);
            entry.Property(e => e.Payload).HasColumnName("payload");
            entry.Property(e => e.PreviousHash).HasColumnName("previous_hash");
            entry.Property(e => e.Hash).HasColumnName("hash");
        });
    }

    /// <summary>Each value as a 4-byte big-endian length (−1 for null) and its bytes: no two different rows encode alike.</summary>
    private readonly struct CanonicalEncoding(IncrementalHash hash)
    {
        public void Add(ReadOnlySpan<byte> value)
        {
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
            hash.AppendData(length);
            hash.AppendData(value);
        }

        public void Add(string? value)
        {
            if (value is null)
            {
                Span<byte> absent = stackalloc byte[4];
                BinaryPrimitives.WriteInt32BigEndian(absent, -1);
                hash.AppendData(absent);
                return;
            }

            Add(Encoding.UTF8.GetBytes(value));
        }

        public void Add(long value)
        {
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteInt64BigEndian(bytes, value);
            Add(bytes);
        }

        public void Add(int value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(bytes, value);
            Add(bytes);
        }

        /// <summary>Microseconds since the Unix epoch, UTC.</summary>
        public void Add(DateTimeOffset value) => Add((value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10);
    }
}
