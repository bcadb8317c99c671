using System.Buffers.Binary;
using System.Text;
using HealthPlatform.Audit.Ledger;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Audit.Checkpoints;

/// <summary>
/// A signed statement "the chain had <see cref="EntryCount"/> entries ending at
/// <see cref="Sequence"/> with head <see cref="HeadHash"/> at <see cref="CreatedAt"/>", signed by
/// key-management's <c>audit-signing</c> key — which this service can ask to use but never holds.
/// Rewriting the chain behind a checkpoint therefore needs a signature nobody with database
/// access alone can make.
/// </summary>
public sealed record Checkpoint
{
    /// <summary>1, 2, 3 … with no gaps.</summary>
    public required long Number { get; init; }

    public required long Sequence { get; init; }

    public required byte[] HeadHash { get; init; }

    public required long EntryCount { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string KeyName { get; init; }

    public required int KeyVersion { get; init; }

    /// <summary>ECDSA P-256 / SHA-256 over <see cref="SignedBytes"/>, IEEE P1363.</summary>
    public required byte[] Signature { get; init; }

    /// <summary>What is signed: a tag, then number, sequence, head hash, count and time (microseconds since the epoch).</summary>
    public static byte[] SignedBytes(long number, long sequence, byte[] headHash, long entryCount, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(headHash);
        var tag = Encoding.ASCII.GetBytes("HPAUDIT-CHECKPOINT1");
        var bytes = new byte[tag.Length + 8 + 8 + headHash.Length + 8 + 8];
        tag.CopyTo(bytes, 0);
        var span = bytes.AsSpan(tag.Length);
        BinaryPrimitives.WriteInt64BigEndian(span, number);
        BinaryPrimitives.WriteInt64BigEndian(span[8..], sequence);
        headHash.CopyTo(span[16..]);
        BinaryPrimitives.WriteInt64BigEndian(span[(16 + headHash.Length)..], entryCount);
        BinaryPrimitives.WriteInt64BigEndian(span[(24 + headHash.Length)..], (LedgerEntry.ToStoredPrecision(createdAt).UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10);
        return bytes;
    }

    public byte[] SignedBytes() => SignedBytes(Number, Sequence, HeadHash, EntryCount, CreatedAt);

    internal static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Checkpoint>(checkpoint =>
        {
            checkpoint.ToTable("audit_checkpoints");
            checkpoint.HasKey(c => c.Number);
            checkpoint.Property(c => c.Number).HasColumnName("number").ValueGeneratedNever();
            checkpoint.Property(c => c.Sequence).HasColumnName("sequence");
            checkpoint.Property(c => c.HeadHash).HasColumnName("head_hash");
            checkpoint.Property(c => c.EntryCount).HasColumnName("entry_count");
            checkpoint.Property(c => c.CreatedAt).HasColumnName("created_at");
            checkpoint.Property(c => c.KeyName).HasColumnName("key_name").HasMaxLength(64);
            checkpoint.Property(c => c.KeyVersion).HasColumnName("key_version");
            checkpoint.Property(c => c.Signature).HasColumnName("signature");
        });
    }
}
