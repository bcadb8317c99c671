using System.Security.Cryptography;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.Contracts.KeyManagement;
using HealthPlatform.KeyManagement.Infrastructure;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.KeyManagement.Keys;

/// <summary>
/// One data key per subject (patient) and key name, held here wrapped under the key's current
/// version. Destroying it (crypto-shredding) overwrites the wrapped bytes, keeps only a tombstone
/// (who, when), vacuums the table so no old row version keeps them either, and publishes
/// <see cref="SubjectKeyDestroyed"/>; afterwards the subject's data, wherever it was copied
/// (backups included), cannot be decrypted again.
/// </summary>
public sealed class SubjectKeys(IServiceScopeFactory scopes, KeyRing ring, TombstoneJournal journal, IBus bus, TimeProvider time)
{
    public static bool IsSubjectId(string? subjectId) => AuditEventSchema.IsFhirId(subjectId);

    /// <summary>The subject's key (created on first request), or null when it was destroyed.</summary>
    public async Task<(byte[] Key, int KeyVersion)?> GetOrCreateAsync(string name, string subjectId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<KeyManagementDbContext>();
        var record = await database.SubjectKeys.AsNoTracking().FirstOrDefaultAsync(key => key.KeyName == name && key.SubjectId == subjectId, cancellationToken);
        if (record is null)
        {
            var kek = await ring.CurrentAsync(name, ManagedKeyKind.Encryption, cancellationToken);
            var key = RandomNumberGenerator.GetBytes(WrappedDataKey.DataKeySize);
            database.SubjectKeys.Add(new SubjectKeyRecord
            {
                KeyName = name,
                SubjectId = subjectId,
                WrappedKey = WrappedDataKey.Wrap(kek, key, SubjectContext(subjectId)).ToBytes(),
                CreatedAt = time.GetUtcNow(),
            });
            try
            {
                await database.SaveChangesAsync(cancellationToken);
                return (key, kek.Version);
            }
            catch (DbUpdateException)
            {
                // Another request created it first: read theirs.
                CryptographicOperations.ZeroMemory(key);
                database.ChangeTracker.Clear();
                record = await database.SubjectKeys.AsNoTracking().FirstAsync(candidate => candidate.KeyName == name && candidate.SubjectId == subjectId, cancellationToken);
            }
        }

        if (record.WrappedKey is null || record.DestroyedAt is not null)
        {
            return null;
        }

        if (!WrappedDataKey.TryParse(record.WrappedKey, out var wrapped))
        {
            throw new InvalidOperationException($"The stored key of a subject under {name} is not a wrapped key.");
        }

        var version = await ring.VersionAsync(name, wrapped!.KeyVersion, cancellationToken) ?? throw new InvalidOperationException($"Key {name} lost version {wrapped.KeyVersion}.");
        return (wrapped.Unwrap(version, SubjectContext(subjectId)), version.Version);
    }

    /// <summary>
    /// Destroys the subject's key; false when there was none to destroy (a tombstone is kept either
    /// way). The tombstone journal hears of it first (unless <paramref name="journalled"/>: it is
    /// already there), so a crash or a restored backup cannot lose the destruction.
    /// </summary>
    public async Task<bool> DestroyAsync(string name, string subjectId, string destroyedBy, CancellationToken cancellationToken, bool journalled = false)
    {
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<KeyManagementDbContext>();
        var now = time.GetUtcNow();
        if (!journalled)
        {
            await journal.AppendAsync(new Tombstone(name, subjectId, now), cancellationToken);
        }

        var record = await database.SubjectKeys.FirstOrDefaultAsync(key => key.KeyName == name && key.SubjectId == subjectId, cancellationToken);
        var existed = record?.WrappedKey is not null;
        if (record is null)
        {
            // A tombstone even so: a key must never be created for this subject later by mistake.
            database.SubjectKeys.Add(new SubjectKeyRecord { KeyName = name, SubjectId = subjectId, WrappedKey = null, CreatedAt = now, DestroyedAt = now, DestroyedBy = destroyedBy });
        }
        else if (record.DestroyedAt is null)
        {
            // Overwritten first (same length), then removed: the bytes do not survive in this row.
            record.WrappedKey = new byte[record.WrappedKey!.Length];
            await database.SaveChangesAsync(cancellationToken);
            record.WrappedKey = null;
            record.DestroyedAt = now;
            record.DestroyedBy = destroyedBy;
        }

        await database.SaveChangesAsync(cancellationToken);

        // Old row versions (MVCC) would still hold the bytes until vacuumed: vacuum now.
        await database.Database.ExecuteSqlRawAsync("VACUUM subject_keys", cancellationToken);
        await bus.Publish(new SubjectKeyDestroyed { KeyName = name, SubjectId = subjectId, DestroyedAt = record?.DestroyedAt ?? now }, cancellationToken);
        return existed;
    }

    /// <summary>A subject key's wrap is bound to its subject too: it cannot be passed off as another patient's.</summary>
    internal static byte[] SubjectContext(string subjectId) => System.Text.Encoding.ASCII.GetBytes("subject|" + subjectId);
}

/// <summary>A subject's key as stored: wrapped under a key version; after destruction only the tombstone.</summary>
public sealed class SubjectKeyRecord
{
    public required string KeyName { get; init; }

    public required string SubjectId { get; init; }

    public byte[]? WrappedKey { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? DestroyedAt { get; set; }

    public string? DestroyedBy { get; set; }

    internal static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<SubjectKeyRecord>(key =>
    {
        key.ToTable("subject_keys");
        key.HasKey(record => new { record.KeyName, record.SubjectId });
        key.Property(record => record.KeyName).HasColumnName("key_name").HasMaxLength(64);
        key.Property(record => record.SubjectId).HasColumnName("subject_id").HasMaxLength(64);
        key.Property(record => record.WrappedKey).HasColumnName("wrapped_key");
        key.Property(record => record.CreatedAt).HasColumnName("created_at");
        key.Property(record => record.DestroyedAt).HasColumnName("destroyed_at");
        key.Property(record => record.DestroyedBy).HasColumnName("destroyed_by").HasMaxLength(200);
    });
}
