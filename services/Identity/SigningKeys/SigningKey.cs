using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace HealthPlatform.Identity.SigningKeys;

/// <summary>A usable signing key with its schedule.</summary>
public sealed record SigningKey(ECDsaSecurityKey Key, DateTimeOffset ActivatesAt, DateTimeOffset RetiresAt)
{
    public string KeyId => Key.KeyId;

    public bool SignsAt(DateTimeOffset time) => ActivatesAt <= time && time < RetiresAt;
}

/// <summary>What the ring holds at one moment: the key that signs, and every key the JWKS must publish.</summary>
public sealed record SigningKeySet(SigningKey Signing, IReadOnlyList<SigningKey> Published);

/// <summary>Encrypts and decrypts private keys for storage (AES-256-GCM, the key id as associated data).</summary>
internal static class SigningKeyProtection
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] Protect(byte[] protectionKey, string keyId, byte[] privateKey)
    {
        var sealedKey = new byte[NonceSize + privateKey.Length + TagSize];
        var nonce = sealedKey.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(protectionKey, TagSize);
        aes.Encrypt(nonce, privateKey, sealedKey.AsSpan(NonceSize, privateKey.Length), sealedKey.AsSpan(NonceSize + privateKey.Length), System.Text.Encoding.UTF8.GetBytes(keyId));
        return sealedKey;
    }

    /// <exception cref="CryptographicException">Wrong protection key, or the stored bytes were altered.</exception>
    public static byte[] Unprotect(byte[] protectionKey, string keyId, byte[] sealedKey)
    {
        if (sealedKey.Length <= NonceSize + TagSize)
        {
            throw new CryptographicException($"Signing key {keyId} is not a protected key.");
        }

        var privateKey = new byte[sealedKey.Length - NonceSize - TagSize];
        using var aes = new AesGcm(protectionKey, TagSize);
        aes.Decrypt(sealedKey.AsSpan(0, NonceSize), sealedKey.AsSpan(NonceSize, privateKey.Length), sealedKey.AsSpan(NonceSize + privateKey.Length), privateKey, System.Text.Encoding.UTF8.GetBytes(keyId));
        return privateKey;
    }
}
