using System.Security.Cryptography;

namespace HealthPlatform.LocalInfrastructure;

/// <summary>Generated credentials for local servers, and files only their owner can read.</summary>
public static class Secrets
{
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    /// <summary>Letters and digits only, so it is safe in URIs and config files unescaped.</summary>
    public static string NewPassword(int length = 32) => RandomNumberGenerator.GetString(Alphabet, length);

    public static void WriteOwnerOnly(string path, string content)
    {
        File.WriteAllText(path, string.Empty);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(path, content);
    }
}
