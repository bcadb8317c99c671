using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace HealthPlatform.KeyManagement.Keys;

/// <summary>
/// The top of the key hierarchy: wraps and unwraps key-encryption keys, binding each to its
/// context (key name and version). Behind an interface so an HSM or a cloud KMS can hold the root
/// key instead of this process.
/// </summary>
public interface IRootKeyProvider
{
    byte[] Wrap(ReadOnlySpan<byte> key, ReadOnlySpan<byte> context);

    /// <summary>Unwraps; throws <see cref="CryptographicException"/> when the wrap was altered or belongs to another context.</summary>
    byte[] Unwrap(ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context);
}

/// <summary>The root key from configuration (a mounted secret): AES-256-GCM, nonce ‖ ciphertext ‖ tag.</summary>
public sealed class ConfiguredRootKey : IRootKeyProvider, IDisposable
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly AesGcm _aes;

    public ConfiguredRootKey(IOptions<KeyManagementOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var key = Parse(options.Value.RootKey) ?? throw new InvalidOperationException($"{KeyManagementOptions.SectionName}:RootKey must be 32 bytes, base64.");
        _aes = new AesGcm(key, TagSize);
        CryptographicOperations.ZeroMemory(key);
    }

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

    public byte[] Wrap(ReadOnlySpan<byte> key, ReadOnlySpan<byte> context)
    {
        var wrapped = new byte[NonceSize + key.Length + TagSize];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, NonceSize));
        _aes.Encrypt(wrapped.AsSpan(0, NonceSize), key, wrapped.AsSpan(NonceSize, key.Length), wrapped.AsSpan(NonceSize + key.Length), context);
        return wrapped;
    }

    public byte[] Unwrap(ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context)
    {
        if (wrapped.Length <= NonceSize + TagSize)
        {
            throw new CryptographicException("The wrapped key is too short.");
        }

        var key = new byte[wrapped.Length - NonceSize - TagSize];
        _aes.Decrypt(wrapped[..NonceSize], wrapped[NonceSize..^TagSize], wrapped[^TagSize..], key, context);
        return key;
    }

    public void Dispose() => _aes.Dispose();
}
