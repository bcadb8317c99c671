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

    /// <summary>The name in the certificate's single platform SPIFFE URI, or null when there is none (or several).</summary>
    public static string? FromCertificate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var extension = certificate.Extensions["2.5.29.17"];
        if (extension is null)
        {
            return null;
        }

        var names = new List<string>();
        try
        {
            var sequence = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
            while (sequence.HasData)
            {
                if (sequence.PeekTag() == uriTag)
                {
                    var uri = sequence.ReadCharacterString(UniversalTagNumber.IA5String, uriTag);
                    if (NameOf(uri) is { } name)
                    {
                        names.Add(name);
                    }
                }
                else
                {
                    sequence.ReadEncodedValue();
                }
            }
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException)
        {
            return null;
        }

        return names.Count == 1 ? names[0] : null;
    }

    private static string? NameOf(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed)
            || parsed.Scheme != "spiffe"
            || !string.Equals(parsed.Host, TrustDomain, StringComparison.Ordinal)
            || !string.IsNullOrEmpty(parsed.Query) || !string.IsNullOrEmpty(parsed.Fragment))
        {
            return null;
        }

        var name = parsed.AbsolutePath.TrimStart('/');
        return name.Length > 0 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') ? name : null;
    }
}
