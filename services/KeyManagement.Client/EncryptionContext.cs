using System.Buffers.Binary;
using System.Text;

namespace HealthPlatform.KeyManagement.Client;

/// <summary>
/// What a ciphertext belongs to — authenticated with it (AES-GCM associated data), never stored
/// in it: a ciphertext moved to another resource, another id or another patient does not decrypt.
/// With a <see cref="SubjectId"/> the data is encrypted under that subject's own key, so destroying
/// the key erases it; without, under a data key wrapped by the named key.
/// </summary>
public sealed record EncryptionContext
{
    public EncryptionContext(string resourceType, string resourceId, string? subjectId)
    {
        ArgumentException.ThrowIfNullOrEmpty(resourceType);
        ArgumentException.ThrowIfNullOrEmpty(resourceId);
        if (subjectId is { Length: 0 })
        {
            throw new ArgumentException("A subject id is null or not empty.", nameof(subjectId));
        }

        ResourceType = resourceType;
        ResourceId = resourceId;
        SubjectId = subjectId;
    }

    public string ResourceType { get; }

    public string ResourceId { get; }

    /// <summary>The patient the data is about; null for data about nobody in particular.</summary>
    public string? SubjectId { get; }

    /// <summary>Each part length-prefixed, so no two contexts encode alike ("a|b","c" vs "a","b|c").</summary>
    internal byte[] Encode()
    {
        string[] parts = [ResourceType, ResourceId, SubjectId ?? string.Empty];
        var encoded = parts.Select(Encoding.UTF8.GetBytes).ToArray();
        var bytes = new byte[encoded.Sum(part => 4 + part.Length)];
        var offset = 0;
        foreach (var part in encoded)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(offset), part.Length);
            part.CopyTo(bytes, offset + 4);
            offset += 4 + part.Length;
        }

        return bytes;
    }
}
