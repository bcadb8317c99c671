using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace HealthPlatform.KeyManagement.Keys;

/// <summary>
/// The top of the key hierarchy: wraps key-encryption keys under the current root key and unwraps
/// them under whichever root key wrapped them (named by its id), binding each to its context (key
/// name and version). Behind an interface so an HSM or a cloud KMS can hold the root keys instead of
/// this process.
/// </summary>
public interface IRootKeyProvider
{
    /// <summary>The id of the root key new wraps use (a check value, not the key).</summary>
    string CurrentKeyId { get; }

    /// <summary>Whether the root key <paramref name="keyId"/> is available to unwrap with.</summary>
    bool Knows(string keyId);

    byte[] Wrap(ReadOnlySpan<byte> key, ReadOnlySpan<byte> context);

    /// <summary>
    /// Unwraps with the root key <paramref name="keyId"/>; throws <see cref="RootKeyUnavailableException"/>
    /// when it is not available and <see cref="CryptographicException"/> when the wrap was altered or
    /// belongs to another context.
    /// </summary>
    byte[] Unwrap(string keyId, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context);
}

/// <summary>A key-encryption key was wrapped by a root key this instance was not given.</summary>
public sealed class RootKeyUnavailableException : Exception
{
    public RootKeyUnavailableException()
    {
    }

    public RootKeyUnavailableException(string message)
        : base(message)
    {
    }

    public RootKeyUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The root keys from configuration (mounted secrets): <c>RootKey</c> wraps, and it and every
/// <c>AdditionalRootKeys</c> entry unwrap — the previous key while a rotation rewraps, or the next
/// one before it becomes current. AES-256-GCM, nonce ‖ ciphertext ‖ tag. A key's id is the first 8
/// bytes of HMAC-SHA256(key, "healthplatform-root-key-id"), hex: it names the key without revealing it.
/// </summary>
public sealed class ConfiguredRootKey : IRootKeyProvider, IDisposable
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly Dictionary<string, AesGcm> _keys = new(StringComparer.Ordinal);
    private readonly AesGcm _current;

    public ConfiguredRootKey(IOptions<KeyManagementOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var current = Parse(options.Value.RootKey) ?? throw new InvalidOperationException($"{KeyManagementOptions.SectionName}:RootKey must be 32 bytes, base64.");
        CurrentKeyId = IdOf(current);
        _current = Add(current);
        foreach (var additional in options.Value.AdditionalRootKeys)
        {
            Add(Parse(additional) ?? throw new InvalidOperationException($"{KeyManagementOptions.SectionName}:AdditionalRootKeys must each be 32 bytes, base64."));
        }
    }

    public string CurrentKeyId { get; }

    public static byte[]? Parse(string? value)
    {
        try
        {
            var bytes = Convert.FromBase64String(value ?? string.Empty);
            return bytes.Length == 32 ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>A root key's id: safe to store and log (a keyed hash, truncated).</summary>
    public static string IdOf(ReadOnlySpan<byte> key) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, "healthplatform-root-key-id"u8)[..8]);

    public bool Knows(string keyId) => _keys.ContainsKey(keyId);

    public byte[] Wrap(ReadOnlySpan<byte> key, ReadOnlySpan<byte> context)
    {
        var wrapped = new byte[NonceSize + key.Length + TagSize];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, NonceSize));
        _current.Encrypt(wrapped.AsSpan(0, NonceSize), key, wrapped.AsSpan(NonceSize, key.Length), wrapped.AsSpan(NonceSize + key.Length), context);
        return wrapped;
    }

    public byte[] Unwrap(string keyId, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context)
    {
        if (keyId.Length == 0)
        {
            return UnwrapWithAny(wrapped, context);
        }

        if (!_keys.TryGetValue(keyId, out var root))
        {
            throw new RootKeyUnavailableException($"The root key {keyId} is not configured (KeyManagement:RootKey or AdditionalRootKeys).");
        }

        if (wrapped.Length <= NonceSize + TagSize)
        {
            throw new CryptographicException("The wrapped key is too short.");
        }

        var key = new byte[wrapped.Length - NonceSize - TagSize];
        root.Decrypt(wrapped[..NonceSize], wrapped[NonceSize..^TagSize], wrapped[^TagSize..], key, context);
        return key;
    }

    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
    }

    /// <summary>Wraps stored before root-key ids were recorded name no key: the one whose tag verifies opened it.</summary>
    private byte[] UnwrapWithAny(ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context)
    {
        foreach (var id in _keys.Keys)
        {
            try
            {
                return Unwrap(id, wrapped, context);
            }
            catch (AuthenticationTagMismatchException)
            {
                // Not this one.
            }
        }

        throw new RootKeyUnavailableException("No configured root key opens this key-encryption key (stored before root-key ids were recorded).");
    }

    private AesGcm Add(byte[] key)
    {
        var id = IdOf(key);
        if (!_keys.TryGetValue(id, out var aes))
        {
            aes = new AesGcm(key, TagSize);
            _keys[id] = aes;
        }

        CryptographicOperations.ZeroMemory(key);
        return aes;
    }
}
