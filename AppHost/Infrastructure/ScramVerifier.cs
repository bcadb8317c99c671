using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HealthPlatform.AppHost.Infrastructure;

/// <summary>
/// Computes a PostgreSQL SCRAM-SHA-256 password verifier (RFC 5802/7677, PostgreSQL's storage
/// format), so that <c>ALTER ROLE … PASSWORD</c> carries the verifier, never the password: a
/// failing or logged statement cannot reveal it. Passwords here are ASCII, which SASLprep leaves as is.
/// </summary>
internal static class ScramVerifier
{
    private const int Iterations = 4096;

    public static string Create(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        var storedKey = SHA256.HashData(HMACSHA256.HashData(salted, "Client Key"u8));
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return string.Create(CultureInfo.InvariantCulture,
            $"SCRAM-SHA-256${Iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}");
    }
}
