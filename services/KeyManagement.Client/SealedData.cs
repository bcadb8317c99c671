using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace HealthPlatform.KeyManagement.Client;

/// <summary>How a ciphertext names the key that opens it.</summary>
public enum SealedKeyKind : byte
{
    /// <summary>The subject's own key (crypto-shreddable per patient).</summary>
    SubjectKey = 1,

    /// <summary>A data key whose wrap travels inside the ciphertext (envelope encryption).</summary>
    WrappedDataKey = 2,
}

/// <summary>
/// A ciphertext as stored: <c>"HPC1"</c> ‖ kind (1) ‖ key-name length (1) ‖ key name ‖ key version
/// (4, big-endian) ‖ [wrapped data key length (2) ‖ wrapped data key] ‖ nonce (12) ‖ ciphertext ‖
/// tag (16), AES-256-GCM. The header and the <see cref="EncryptionContext"/> are the associated
/// data: neither the key reference, the version, nor the resource it belongs to can be changed.
/// </summary>
public sealed record SealedData(SealedKeyKind Kind, string KeyName, int KeyVersion, byte[]? WrappedKey, byte[] Header, byte[] Nonce, byte[] Ciphertext, byte[] Tag)
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] Magic = "HPC1"u8.ToArray();

    public static SealedData Seal(SealedKeyKind kind, string keyName, int keyVersion, byte[]? wrappedKey, ReadOnlySpan<byte> key, EncryptionContext context, ReadOnlySpan<byte> plaintext)
    {
        ArgumentNullException.ThrowIfNull(context);
        var header = HeaderOf(kind, keyName, keyVersion, wrappedKey);
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData(header, context));
        return new SealedData(kind, keyName, keyVersion, wrappedKey, header, nonce, ciphertext, tag);
    }

    /// <summary>Reads a ciphertext's parts; false when it is not one (wrong magic, kind or lengths).</summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out SealedData? sealedData)
    {
        sealedData = null;
        if (bytes.Length < Magic.Length + 2 || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            return false;
        }

        var kind = (SealedKeyKind)bytes[Magic.Length];
        int nameLength = bytes[Magic.Length + 1];
        var offset = Magic.Length + 2;
        if (kind is not (SealedKeyKind.SubjectKey or SealedKeyKind.WrappedDataKey) || nameLength == 0 || bytes.Length < offset + nameLength + 4)
        {
            return false;
        }

        var name = Encoding.ASCII.GetString(bytes.Slice(offset, nameLength));
        offset += nameLength;
        var version = BinaryPrimitives.ReadInt32BigEndian(bytes.Slice(offset, 4));
        offset += 4;
        byte[]? wrapped = null;
        if (kind == SealedKeyKind.WrappedDataKey)
        {
            if (bytes.Length < offset + 2)
            {
                return false;
            }

            int wrappedLength = BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(offset, 2));
            offset += 2;
            if (wrappedLength == 0 || bytes.Length < offset + wrappedLength)
            {
                return false;
            }

            wrapped = bytes.Slice(offset, wrappedLength).ToArray();
            offset += wrappedLength;
        }

        if (version < 1 || bytes.Length < offset + NonceSize + TagSize)
        {
            return false;
        }

        sealedData = new SealedData(
            kind,
            name,
            version,
            wrapped,
            bytes[..offset].ToArray(),
            bytes.Slice(offset, NonceSize).ToArray(),
            bytes[(offset + NonceSize)..^TagSize].ToArray(),
            bytes[^TagSize..].ToArray());
        return true;
    }

    /// <summary>The plaintext; throws <see cref="AuthenticationTagMismatchException"/> when anything — data, header or context — differs.</summary>
    public byte[] Open(ReadOnlySpan<byte> key, EncryptionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var plaintext = new byte[Ciphertext.Length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(Nonce, Ciphertext, Tag, plaintext, AssociatedData(Header, context));
        return plaintext;
    }

    public byte[] ToBytes() => [.. Header, .. Nonce, .. Ciphertext, .. Tag];

    private static byte[] AssociatedData(byte[] header, EncryptionContext context) => [.. header, .. context.Encode()];

    private static byte[] HeaderOf(SealedKeyKind kind, string keyName, int keyVersion, byte[]? wrappedKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyName);
        if (keyName.Length > byte.MaxValue || !Ascii.IsValid(keyName))
        {
            throw new ArgumentException("A key name is at most 255 ASCII characters.", nameof(keyName));
        }

        if (kind == SealedKeyKind.WrappedDataKey && wrappedKey is not { Length: > 0 and <= ushort.MaxValue })
        {
            throw new ArgumentException("Envelope encryption carries the wrapped data key.", nameof(wrappedKey));
        }

        var wrappedPart = kind == SealedKeyKind.WrappedDataKey ? 2 + wrappedKey!.Length : 0;
        var header = new byte[Magic.Length + 2 + keyName.Length + 4 + wrappedPart];
        Magic.CopyTo(header, 0);
        header[Magic.Length] = (byte)kind;
        header[Magic.Length + 1] = (byte)keyName.Length;
        Encoding.ASCII.GetBytes(keyName, header.AsSpan(Magic.Length + 2));
        var offset = Magic.Length + 2 + keyName.Length;
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(offset), keyVersion);
        if (kind == SealedKeyKind.WrappedDataKey)
        {
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(offset + 4), (ushort)wrappedKey!.Length);
            wrappedKey.CopyTo(header, offset + 6);
        }

        return header;
    }
}
