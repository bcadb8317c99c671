using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using HealthPlatform.KeyManagement.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HealthPlatform.KeyManagement.Keys;

/// <summary>A key-encryption key in memory: its name, version and material (never leaves this service).</summary>
public sealed record KeyEncryptionKey(string Name, int Version, byte[] Material);

/// <summary>
/// The versioned key-encryption keys: created on first use (version 1), unwrapped from the
/// database with the root key, kept in memory per version (versions never change). Two replicas
/// creating the same first version race on the primary key; the loser reads the winner's.
/// </summary>
public sealed class KeyRing(IServiceScopeFactory scopes, IRootKeyProvider root, TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Name, int Version), KeyEncryptionKey> _unwrapped = new();

    /// <summary>The version new wraps use: the newest.</summary>
    public async Task<KeyEncryptionKey> CurrentAsync(string name, ManagedKeyKind kind, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<KeyManagementDbContext>();
        var newest = await database.KeyVersions.AsNoTracking()
            .Where(record => record.KeyName == name)
            .OrderByDescending(record => record.Version)
            .FirstOrDefaultAsync(cancellationToken);
        return newest is null ? await CreateFirstAsync(database, name, kind, cancellationToken) : Unwrapped(newest);
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

    /// <summary>What a key version's wrap is bound to: its name and version.</summary>
    internal static byte[] Context(string name, int version) => Encoding.ASCII.GetBytes($"healthplatform-kek|{name}|{version}");

    private async Task<KeyEncryptionKey> CreateFirstAsync(KeyManagementDbContext database, string name, ManagedKeyKind kind, CancellationToken cancellationToken)
    {
        var material = RandomNumberGenerator.GetBytes(32);
        database.KeyVersions.Add(new KeyVersionRecord
        {
            KeyName = name,
            Version = 1,
            Kind = kind,
            WrappedMaterial = root.Wrap(material, Context(name, 1)),
            CreatedAt = time.GetUtcNow(),
        });
        try
        {
            await database.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another replica created it first: use theirs.
            CryptographicOperations.ZeroMemory(material);
            return await VersionAsync(name, 1, cancellationToken) ?? throw new InvalidOperationException($"Key {name} version 1 vanished.");
        }

        return _unwrapped.GetOrAdd((name, 1), new KeyEncryptionKey(name, 1, material));
    }

    private KeyEncryptionKey Unwrapped(KeyVersionRecord record) =>
        _unwrapped.GetOrAdd((record.KeyName, record.Version), _ => new KeyEncryptionKey(record.KeyName, record.Version, root.Unwrap(record.WrappedMaterial, Context(record.KeyName, record.Version))));
}
