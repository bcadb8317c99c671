using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HealthPlatform.ServiceDefaults.Security;

/// <summary>
/// A workload's identity, taken only from its certificate's SAN URI
/// <c>spiffe://healthplatform/{name}</c> — never from the subject name, which is free text.
/// </summary>
public static class ServiceIdentity
{
    public const string TrustDomain = "healthplatform";

    private const string Prefix = "spiffe://" + TrustDomain + "/";

    /// <summary>A platform service's SPIFFE id: <c>spiffe://healthplatform/{name}</c>.</summary>
    public static string UriOf(string name) => Prefix + name;

    /// <summary>
    /// The name in the certificate's SPIFFE URI, or null unless the certificate carries exactly one
    /// URI (as SPIFFE requires) and it reads exactly <c>spiffe://healthplatform/{name}</c> with a
    /// name of lower-case letters, digits and hyphens. The raw text is compared: nothing is
    /// normalised first, so <c>../</c>, case, ports or user parts cannot turn one name into another.
    /// </summary>
    public static string? FromCertificate(X509Certificate2 certificate)
    {
        var uris = SanUris(certificate);
        return uris is [var only] ? NameOf(only) : null;
    }

    /// <summary>The certificate's subject-alternative-name URIs as written (raw text, not normalised); none when the extension is absent or malformed.</summary>
    public static IReadOnlyList<string> SanUris(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var extension = certificate.Extensions["2.5.29.17"];
        if (extension is null)
        {
            return [];
        }

        var uris = new List<string>();
        try
        {
            var sequence = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
            while (sequence.HasData)
            {
                if (sequence.PeekTag() == uriTag)
                {
                    uris.Add(sequence.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                }
                else
                {
                    sequence.ReadEncodedValue();
                }
            }
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException)
        {
            return [];
        }

        return uris;
    }

    private static string? NameOf(string uri)
    {
        if (!uri.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var name = uri[Prefix.Length..];
        return name.Length is > 0 and <= 63 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') ? name : null;
    }
}
