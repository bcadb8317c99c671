using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.Identity.SigningKeys;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;

namespace HealthPlatform.Identity.Users;

/// <summary>
/// ASP.NET Core Data Protection — which protects the session and antiforgery cookies and the users'
/// authenticator secrets — with one key ring shared by every replica: stored in the identity
/// database, and each key there encrypted (AES-256-GCM) under a key derived from the protection
/// key, which never is in the database. A copy of the database alone decrypts nothing.
/// </summary>
public static class KeyRingProtection
{
    /// <summary>Same for every replica (the default would be the content root, which may differ).</summary>
    public const string ApplicationName = "healthplatform-identity";

    public static IHostApplicationBuilder AddSharedDataProtection(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToDbContext<IdentityDbContext>();
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IOptions<SigningKeyOptions>>((options, keys) => options.XmlEncryptor = new KeyRingEncryptor(KeyOf(keys.Value)));
        return builder;
    }

    internal static byte[] KeyOf(SigningKeyOptions keys) => keys.DerivedKey("data-protection-key-ring");

    /// <summary>What binds a ciphertext to its use: a key-ring entry cannot be passed off as anything else.</summary>
    internal static readonly byte[] AssociatedData = "healthplatform-identity-data-protection-key"u8.ToArray();
}

/// <summary>Encrypts a key-ring entry: <c>&lt;encryptedKey&gt;</c> holding base64(nonce ‖ tag ‖ ciphertext).</summary>
internal sealed class KeyRingEncryptor(byte[] key) : IXmlEncryptor
{
    internal const int NonceSize = 12;
    internal const int TagSize = 16;

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var sealedKey = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = sealedKey.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(key, TagSize))
        {
            aes.Encrypt(nonce, plaintext, sealedKey.AsSpan(NonceSize + TagSize), sealedKey.AsSpan(NonceSize, TagSize), KeyRingProtection.AssociatedData);
        }

        CryptographicOperations.ZeroMemory(plaintext);
        var element = new XElement(
            "encryptedKey",
            new XComment(" AES-256-GCM under a key derived from Identity:SigningKeys:ProtectionKey "),
            new XElement("value", Convert.ToBase64String(sealedKey)));
        return new EncryptedXmlInfo(element, typeof(KeyRingDecryptor));
    }
}

/// <summary>Decrypts a key-ring entry; Data Protection creates it by type, with the service provider.</summary>
internal sealed class KeyRingDecryptor(IServiceProvider services) : IXmlDecryptor
{
    private const int NonceSize = KeyRingEncryptor.NonceSize;
    private const int TagSize = KeyRingEncryptor.TagSize;

    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var key = KeyRingProtection.KeyOf(services.GetRequiredService<IOptions<SigningKeyOptions>>().Value);
        var sealedKey = Convert.FromBase64String(encryptedElement.Element("value")?.Value ?? throw new CryptographicException("The key-ring entry has no value."));
        if (sealedKey.Length <= NonceSize + TagSize)
        {
            throw new CryptographicException("The key-ring entry is too short.");
        }

        var plaintext = new byte[sealedKey.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(sealedKey.AsSpan(0, NonceSize), sealedKey.AsSpan(NonceSize + TagSize), sealedKey.AsSpan(NonceSize, TagSize), plaintext, KeyRingProtection.AssociatedData);
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
