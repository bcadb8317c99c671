using System.Security.Cryptography;

namespace HealthPlatform.KeyManagement.Client;

/// <summary>
/// Encrypts and decrypts a service's data with keys from the key-management service, AES-256-GCM,
/// each ciphertext bound to its <see cref="EncryptionContext"/> and naming its key and version.
/// Data about a patient (a context with a subject) is encrypted under that patient's own key, so
/// destroying it erases the data; other data under a data key wrapped by the named key, its wrap
/// carried in the ciphertext. Keys come from <see cref="DataKeyCache"/> within its bounds, else
/// from the service (one request each).
/// </summary>
public sealed class DataCipher(KeyManagementApi api, DataKeyCache cache)
{
    public async Task<byte[]> EncryptAsync(string keyName, EncryptionContext context, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var key = context.SubjectId is { } subject
            ? await SubjectKeyAsync(keyName, subject, cancellationToken)
            : await EncryptionKeyAsync(keyName, cancellationToken);
        try
        {
            var kind = context.SubjectId is null ? SealedKeyKind.WrappedDataKey : SealedKeyKind.SubjectKey;
            return SealedData.Seal(kind, keyName, key.KeyVersion, kind == SealedKeyKind.WrappedDataKey ? key.Wrapped : null, key.Plaintext, context, plaintext.Span).ToBytes();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key.Plaintext);
        }
    }

    /// <summary>
    /// The plaintext of <paramref name="sealedData"/>. Throws <see cref="CryptographicException"/> when
    /// it is not a ciphertext of this kind, was made with another key name, or was altered or moved
    /// to another context; <see cref="SubjectKeyDestroyedException"/> when its subject's key is gone.
    /// </summary>
    public async Task<byte[]> DecryptAsync(string keyName, EncryptionContext context, ReadOnlyMemory<byte> sealedData, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!SealedData.TryParse(sealedData.Span, out var parsed))
        {
            throw new CryptographicException("This is not a ciphertext of the platform's data cipher (truncated or foreign).");
        }

        if (parsed!.KeyName != keyName || (parsed.Kind == SealedKeyKind.SubjectKey) != (context.SubjectId is not null))
        {
            throw new CryptographicException("The ciphertext was made with another key than this context names.");
        }

        var key = parsed.Kind == SealedKeyKind.SubjectKey
            ? await SubjectKeyAsync(keyName, context.SubjectId!, cancellationToken)
            : await UnwrapAsync(keyName, parsed.WrappedKey!, cancellationToken);
        try
        {
            return parsed.Open(key.Plaintext, context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key.Plaintext);
        }
    }

    /// <summary>The data key inside <paramref name="wrapped"/> (cached), for callers that encrypt themselves; the caller zeroes <see cref="CachedDataKey.Plaintext"/> after use.</summary>
    public async Task<CachedDataKey> UnwrapAsync(string keyName, byte[] wrapped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        var cacheKey = $"unwrap\n{keyName}\n{Convert.ToBase64String(wrapped)}";
        if (cache.Take(cacheKey) is { } cached)
        {
            return cached;
        }

        var dataKey = await api.UnwrapAsync(keyName, wrapped, cancellationToken);
        var key = new CachedDataKey(keyName, dataKey.KeyVersion, dataKey.Plaintext!, wrapped, SubjectId: null);
        cache.Put(cacheKey, key);
        return key;
    }

    /// <summary>The subject's key (cached); <see cref="SubjectKeyDestroyedException"/> once destroyed — at once when this instance heard so.</summary>
    public async Task<CachedDataKey> SubjectKeyAsync(string keyName, string subjectId, CancellationToken cancellationToken)
    {
        if (cache.IsDestroyed(keyName, subjectId))
        {
            throw new SubjectKeyDestroyedException(keyName, subjectId);
        }

        var cacheKey = $"subject\n{keyName}\n{subjectId}";
        if (cache.Take(cacheKey) is { } cached)
        {
            return cached;
        }

        DataKey dataKey;
        try
        {
            dataKey = await api.SubjectKeyAsync(keyName, subjectId, cancellationToken);
        }
        catch (SubjectKeyDestroyedException)
        {
            cache.EvictSubject(keyName, subjectId);
            throw;
        }

        var key = new CachedDataKey(keyName, dataKey.KeyVersion, dataKey.Plaintext!, Wrapped: null, subjectId);
        cache.Put(cacheKey, key);
        return key;
    }

    /// <summary>A data key to encrypt with: the cached one until its bounds, then a new one (also cached for unwrapping what it encrypted).</summary>
    private async Task<CachedDataKey> EncryptionKeyAsync(string keyName, CancellationToken cancellationToken)
    {
        var cacheKey = $"encrypt\n{keyName}";
        if (cache.Take(cacheKey) is { } cached)
        {
            return cached;
        }

        var dataKey = await api.GenerateDataKeyAsync(keyName, includePlaintext: true, cancellationToken);
        var key = new CachedDataKey(keyName, dataKey.KeyVersion, dataKey.Plaintext!, dataKey.Wrapped!, SubjectId: null);
        cache.Put(cacheKey, key);
        cache.Put($"unwrap\n{keyName}\n{Convert.ToBase64String(dataKey.Wrapped!)}", key);
        return key;
    }
}
