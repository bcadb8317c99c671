using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace HealthPlatform.ServiceDefaults.Authorization.Tokens;

/// <summary>RFC 8705 certificate-bound access tokens: the <c>cnf</c> claim's <c>x5t#S256</c> is the SHA-256 thumbprint of the client's certificate.</summary>
public static class CertificateBinding
{
    public const string ConfirmationClaim = "cnf";
    public const string ThumbprintMember = "x5t#S256";

    /// <summary>The base64url SHA-256 of the certificate's DER encoding, as <c>x5t#S256</c> carries it.</summary>
    public static string Thumbprint(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Base64UrlEncoder.Encode(SHA256.HashData(certificate.RawData));
    }

    /// <summary>
    /// The thumbprint a <c>cnf</c> member binds the token to; null when it binds to nothing this
    /// platform checks (not an object, no <c>x5t#S256</c> string) — such a token is refused.
    /// </summary>
    public static string? BoundThumbprint(JsonElement confirmation) =>
        confirmation.ValueKind == JsonValueKind.Object
        && confirmation.TryGetProperty(ThumbprintMember, out var thumbprint)
        && thumbprint.ValueKind == JsonValueKind.String
            ? thumbprint.GetString()
            : null;

    /// <summary>Whether <paramref name="certificate"/> is the one <paramref name="thumbprint"/> names (compared in constant time).</summary>
    public static bool Matches(string thumbprint, X509Certificate2? certificate) =>
        certificate is not null && CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(thumbprint), System.Text.Encoding.ASCII.GetBytes(Thumbprint(certificate)));
}
