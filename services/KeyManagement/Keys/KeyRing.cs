using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using HealthPlatform.KeyManagement.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.KeyManagement.Keys;

/// <summary>A key version in memory: its name, version, kind and material (never leaves this service).</summary>
public sealed record KeyEncryptionKey(string Name, int Version, ManagedKeyKind Kind, byte[] Material);

/// <summary>
/// The versioned keys: created on first use (version 1), rotated by adding a version, unwrapped
/// from the database with the root key and kept in memory per version (versions never change).
/// Every change to a key happens in a transaction holding a Postgres advisory lock on its name, so
/// replicas never create or rotate the same key twice.
/// </summary>
public sealed class KeyRing(IServiceScopeFactory scopes, IRootKeyProvider root, TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Name, int Version), KeyEncryptionKey> _unwrapped = new();

    /// <summary>The key's state (minimum decryption version, last rotation), or null before its first use.</summary>
    public async Task<ManagedKeyRecord?> StateAsync(string name, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<KeyManagementDbContext>().ManagedKeys.AsNoTracking()
            .FirstOrDefaultAsync(key => key.Name == name, cancellationToken);
    }

    /// <summary>The version new wraps and signatures use: the newest (created on first use).</summary>
    public async Task<KeyEncryptionKey> CurrentAsync(string name, ManagedKeyKind kind, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<KeyManagementDbContext>();
        if (await NewestAsync(database, name, cancellationToken) is { } newest)
        {
            return Unwrapped(newest);
        }

        return await ChangeAsync(database, name, async () =>
        {
            if (await NewestAsync(database, name, cancellationToken) is { } created)
            {
                return Unwrapped(created); // another replica was first
            }

            database.ManagedKeys.Add(new ManagedKeyRecord { Name = name, Kind = kind, CreatedAt = time.GetUtcNow(), LastRotatedAt = time.GetUtcNow() });
            return AddVersion(database, name, kind, 1);
        }, cancellationToken);
    }

    /// <summary>A given version, or null when there is none.</summary>
    public async Task<KeyEncryptionKey?> VersionAsync(string name, int version, CancellationToken cancellationToken)
    {
        if (_unwrapped.TryGetValue((name, version), out var known))
        {
            return known;
        }

        await using var scope = scopes.CreateAsyncScope();
        var record = await scope.ServiceProvider.GetRequiredService<KeyManagementDbContext>().KeyVersions.AsNoTracking()
            .FirstOrDefaultAsync(candidate => candidate.KeyName == name && candidate.Version == version, cancellationToken);
        return record is null ? null : Unwrapped(record);
    }

    /// <summary>
    /// Adds a version, which new wraps use from now on (older ones still unwrap), when
    /// <paramref name="due"/> says so given the key's last rotation — decided under the lock, so two
    /// replicas asking at once rotate once. Returns the new version, or null when it was not due.
    /// </summary>
    public async Task<KeyEncryptionKey?> RotateAsync(string name, ManagedKeyKind kind, Func<DateTimeOffset, bool> due, CancellationToken cancellationToken)
    {
        await CurrentAsync(name, kind, cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<KeyManagementDbContext>();
        return await ChangeAsync(database, name, async () =>
        {
            var state = await database.ManagedKeys.FirstAsync(key => key.Name == name, cancellationToken);
            if (!due(state.LastRotatedAt))
            {
                return null;
            }

            var newest = await NewestAsync(database, name, cancellationToken);
            state.LastRotatedAt = time.GetUtcNow();
            return AddVersion(database, name, kind, newest!.Version + 1);
        }, cancellationToken);
    }

    /// <summary>Retires every version below <paramref name="version"/> for decryption (after callers have rewrapped); never lowers it.</summary>
    public async Task SetMinimumDecryptionVersionAsync(string name, int version, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<KeyManagementDbContext>();
        await ChangeAsync(database, name, async () =>
        {
            var state = await database.ManagedKeys.FirstAsync(key => key.Name == name, cancellationToken);
            var newest = await NewestAsync(database, name, cancellationToken);
            if (version < 1 || version > newest!.Version)
            {
                throw new ArgumentOutOfRangeException(nameof(version), version, $"Key {name} has versions 1 to {newest!.Version}.");
            }

            state.MinimumDecryptionVersion = Math.Max(state.MinimumDecryptionVersion, version);
            return state.MinimumDecryptionVersion;
        }, cancellationToken);
    }

    /// <summary>Counts one more data key wrapped by a version (metadata).</summary>
    public async Task CountWrapAsync(string name, int version, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<KeyManagementDbContext>().KeyVersions
            .Where(record => record.KeyName == name && record.Version == version)
            .ExecuteUpdateAsync(update => update.SetProperty(record => record.WrapCount, record => record.WrapCount + 1), cancellationToken);
    }

    /// <summary>Every version's metadata (never material), oldest first.</summary>
    public async Task<IReadOnlyList<KeyVersionRecord>> VersionsAsync(string name, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<KeyManagementDbContext>().KeyVersions.AsNoTracking()
            .Where(record => record.KeyName == name)
            .OrderBy(record => record.Version)
            .ToListAsync(cancellationToken);
    }

    /// <summary>What a key version's wrap is bound to: its name and version.</summary>
    internal static byte[] Context(string name, int version) => Encoding.ASCII.GetBytes($"healthplatform-kek|{name}|{version}");

    /// <summary>Runs <paramref name="change"/> in a transaction holding the key's advisory lock, and commits it.</summary>
    /// <remarks>Inside the context's execution strategy: a retried attempt starts again from a clean change tracker.</remarks>
    private static Task<T> ChangeAsync<T>(KeyManagementDbContext database, string name, Func<Task<T>> change, CancellationToken cancellationToken) =>
        database.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            database.ChangeTracker.Clear();
            await using var transaction = await database.Database.BeginTransactionAsync(cancellationToken);
            await database.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtext({"key-management:" + name}))", cancellationToken);
            var result = await change();
            await database.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return result;
        });

    private static Task<KeyVersionRecord?> NewestAsync(KeyManagementDbContext database, string name, CancellationToken cancellationToken) =>
        database.KeyVersions.AsNoTracking()
            .Where(record => record.KeyName == name)
            .OrderByDescending(record => record.Version)
            .FirstOrDefaultAsync(cancellationToken);

    private KeyEncryptionKey AddVersion(KeyManagementDbContext database, string name, ManagedKeyKind kind, int version)
    {
        var material = NewMaterial(kind);
        database.KeyVersions.Add(new KeyVersionRecord
        {
            KeyName = name,
            Version = version,
            Kind = kind,
            WrappedMaterial = root.Wrap(material, Context(name, version)),
            RootKeyId = root.CurrentKeyId,
            CreatedAt = time.GetUtcNow(),
        });

        // Cached only after the commit would be stricter; a version whose commit fails is never
        // named by any wrap, so holding it in memory harms nothing.
        return _unwrapped.GetOrAdd((name, version), new KeyEncryptionKey(name, version, kind, material));
    }

    /// <summary>AES-256 for encryption keys; an ECDSA P-256 private key (PKCS#8) for signing keys.</summary>
    private static byte[] NewMaterial(ManagedKeyKind kind)
    {
        if (kind == ManagedKeyKind.Signing)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return key.ExportPkcs8PrivateKey();
        }

        return RandomNumberGenerator.GetBytes(32);
    }

    private KeyEncryptionKey Unwrapped(KeyVersionRecord record) =>
        _unwrapped.GetOrAdd((record.KeyName, record.Version), _ => new KeyEncryptionKey(record.KeyName, record.Version, record.Kind, root.Unwrap(record.RootKeyId, record.WrappedMaterial, Context(record.KeyName, record.Version))));
}
