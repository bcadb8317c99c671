using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace HealthPlatform.KeyManagement.Keys;

/// <summary>
/// A data key wrapped by a key-encryption key, as callers hold it: a self-describing, versioned
/// envelope — <c>"HPW1"</c> ‖ name length ‖ key name ‖ key version (big-endian) ‖ nonce (12) ‖
/// ciphertext (32) ‖ tag (16) — whose header is authenticated as associated data, so neither the
/// key name nor the version can be changed without the unwrap failing.
/// </summary>
public sealed record WrappedDataKey(string KeyName, int KeyVersion, byte[] Header, byte[] Nonce, byte[] Ciphertext, byte[] Tag)
{
    public const int DataKeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] Magic = "HPW1"u8.ToArray();

    /// <summary>Wraps <paramref name="dataKey"/> under <paramref name="kek"/>; <paramref name="context"/> (e.g. a subject) is bound in too, not stored.</summary>
    public static WrappedDataKey Wrap(KeyEncryptionKey kek, ReadOnlySpan<byte> dataKey, byte[]? context = null)
    {
        ArgumentNullException.ThrowIfNull(kek);
        var header = HeaderOf(kek.Name, kek.Version);
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var ciphertext = new byte[dataKey.Length];
        var tag = new byte[TagSize];
        using var aes = new AesGcm(kek.Material, TagSize);
        byte[] associated = [.. header, .. context ?? []];
        aes.Encrypt(nonce, dataKey, ciphertext, tag, associated);
        return new WrappedDataKey(kek.Name, kek.Version, header, nonce, ciphertext, tag);
    }

    /// <summary>Reads an envelope; false when it is not one (wrong magic, length or name).</summary>
    public static bool TryParse(byte[] bytes, out WrappedDataKey? wrapped)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        wrapped = null;
        if (bytes.Length < Magic.Length + 1 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            return false;
        }

        var nameLength = bytes[Magic.Length];
        var headerLength = Magic.Length + 1 + nameLength + 4;
        if (nameLength == 0 || bytes.Length != headerLength + NonceSize + DataKeySize + TagSize)
        {
            return false;
        }

        var name = Encoding.ASCII.GetString(bytes, Magic.Length + 1, nameLength);
        var version = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(headerLength - 4, 4));
        if (!KeyManagementOptions.IsKeyName(name) || version < 1)
        {
            return false;
        }

        wrapped = new WrappedDataKey(
            name,
            version,
            bytes[..headerLength],
            bytes[headerLength..(headerLength + NonceSize)],
            bytes[(headerLength + NonceSize)..^TagSize],
            bytes[^TagSize..]);
        return true;
    }

    /// <summary>The data key; throws <see cref="AuthenticationTagMismatchException"/> when anything was altered.</summary>
    public byte[] Unwrap(KeyEncryptionKey kek, byte[]? context = null)
    {
        ArgumentNullException.ThrowIfNull(kek);
        var dataKey = new byte[Ciphertext.Length];
        using var aes = new AesGcm(kek.Material, TagSize);
        byte[] associated = [.. Header, .. context ?? []];
        aes.Decrypt(Nonce, Ciphertext, Tag, dataKey, associated);
        return dataKey;
    }

    public byte[] ToBytes() => [.. Header, .. Nonce, .. Ciphertext, .. Tag];

    private static byte[] HeaderOf(string name, int version)
    {
        var header = new byte[Magic.Length + 1 + name.Length + 4];
        Magic.CopyTo(header, 0);
        header[Magic.Length] = (byte)name.Length;
        Encoding.ASCII.GetBytes(name, header.AsSpan(Magic.Length + 1));
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(header.Length - 4), version);
        return header;
    }
}
