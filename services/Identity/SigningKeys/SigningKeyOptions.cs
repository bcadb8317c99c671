using System.Security.Cryptography;
using System.Text;

namespace HealthPlatform.Identity.SigningKeys;

/// <summary>The token signing key schedule and its protection at rest (section <c>Identity:SigningKeys</c>).</summary>
public sealed class SigningKeyOptions
{
    public const string SectionName = "Identity:SigningKeys";

    /// <summary>
    /// The 256-bit key (base64) that encrypts what the identity service keeps secret in its database
    /// — signing keys, and (through keys derived from it) the Data Protection key ring that protects
    /// sessions and authenticator secrets — a mounted secret, never in the database itself. Without
    /// it the service does not start.
    /// </summary>
    public string? ProtectionKey { get; set; }

    /// <summary>How long one key signs tokens before its successor takes over.</summary>
    public TimeSpan RotationPeriod { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long before it signs a key is published in the JWKS. At least the services'
    /// <c>TokenValidation:KeyRefreshInterval</c> (10 min), so every validator knows a key before
    /// the first token signed with it arrives.
    /// </summary>
    public TimeSpan PrePublication { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long after it stops signing a key stays published: at least the longest token lifetime plus clock skew.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A key for one purpose (token encryption, the Data Protection key ring, recovery codes),
    /// derived from the protection key with HKDF-SHA256 so that no two purposes share a key.
    /// </summary>
    internal byte[] DerivedKey(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, ProtectionKeyBytes(), 32, info: Encoding.ASCII.GetBytes("healthplatform-identity-" + purpose));

    internal byte[] ProtectionKeyBytes()
    {
        try
        {
            var bytes = Convert.FromBase64String(ProtectionKey ?? string.Empty);
            return bytes.Length == 32 ? bytes : throw new InvalidOperationException($"{SectionName}:ProtectionKey must be 32 bytes (base64).");
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{SectionName}:ProtectionKey must be 32 bytes (base64).");
        }
    }
}
