using System.Security.Cryptography;
using HealthPlatform.Identity.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace HealthPlatform.Identity.SigningKeys;

/// <summary>
/// The token signing keys, kept in the identity database and rotated on a schedule: a key signs for
/// <see cref="SigningKeyOptions.RotationPeriod"/>; its successor is created and published
/// <see cref="SigningKeyOptions.PrePublication"/> before it takes over; a retired key stays
/// published for <see cref="SigningKeyOptions.Retention"/>, so tokens it signed still validate, and
/// is then deleted. Replicas share the ring: changes happen under a Postgres advisory lock, so two
/// replicas never both create a successor.
/// </summary>
public sealed class SigningKeyRing(IServiceScopeFactory scopes, IOptions<SigningKeyOptions> options, TimeProvider time)
{
    /// <summary>Advisory lock id for key maintenance (any constant the identity database uses for nothing else).</summary>
    private const long MaintenanceLock = 0x4850_5349_474B_4559; // "HPSIGKEY"

    private const string Algorithm = SecurityAlgorithms.EcdsaSha256;

    /// <summary>
    /// Brings the ring up to date for now — creates the signing key if there is none, the successor
    /// when its pre-publication time has come, deletes keys past retention — and returns what signs
    /// and what is published.
    /// </summary>
    public async Task<SigningKeySet> MaintainAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var protectionKey = settings.ProtectionKeyBytes();
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<IdentityDbContext>();
        var records = await database.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            await using var transaction = await database.Database.BeginTransactionAsync(token);
            await database.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({MaintenanceLock})", token);
            var now = time.GetUtcNow();
            var keys = database.Set<SigningKeyRecord>();

            await keys.Where(key => key.RetiresAt < now - settings.Retention).ExecuteDeleteAsync(token);
            var current = await keys.OrderBy(key => key.ActivatesAt).ToListAsync(token);

            if (!current.Exists(key => key.ActivatesAt <= now && now < key.RetiresAt))
            {
                // First start (or every key lapsed): a key that signs at once.
                current.Add(keys.Add(Create(protectionKey, now, now, now + settings.RotationPeriod)).Entity);
            }

            var newest = current.MaxBy(key => key.ActivatesAt)!;
            if (newest.RetiresAt - now <= settings.PrePublication)
            {
                current.Add(keys.Add(Create(protectionKey, now, newest.RetiresAt, newest.RetiresAt + settings.RotationPeriod)).Entity);
            }

            await database.SaveChangesAsync(token);
            await transaction.CommitAsync(token);
            return current;
        }, cancellationToken);

        var at = time.GetUtcNow();
        var published = records.Select(record => Load(protectionKey, record)).ToList();
        var signing = published.Where(key => key.SignsAt(at)).MaxBy(key => key.ActivatesAt)
            ?? throw new InvalidOperationException("No signing key is active.");
        return new SigningKeySet(signing, published);
    }

    private static SigningKeyRecord Create(byte[] protectionKey, DateTimeOffset now, DateTimeOffset activatesAt, DateTimeOffset retiresAt)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyId = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        var privateKey = key.ExportPkcs8PrivateKey();
        try
        {
            return new SigningKeyRecord
            {
                KeyId = keyId,
                Algorithm = Algorithm,
                PublicKey = key.ExportSubjectPublicKeyInfo(),
                ProtectedPrivateKey = SigningKeyProtection.Protect(protectionKey, keyId, privateKey),
                CreatedAt = now,
                ActivatesAt = activatesAt,
                RetiresAt = retiresAt,
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    private static SigningKey Load(byte[] protectionKey, SigningKeyRecord record)
    {
        var privateKey = SigningKeyProtection.Unprotect(protectionKey, record.KeyId, record.ProtectedPrivateKey);
        try
        {
            var key = ECDsa.Create();
            key.ImportPkcs8PrivateKey(privateKey, out _);
            return new SigningKey(new ECDsaSecurityKey(key) { KeyId = record.KeyId }, record.ActivatesAt, record.RetiresAt);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }
}
