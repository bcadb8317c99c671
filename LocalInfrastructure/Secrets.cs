using System.Security.Cryptography;

namespace HealthPlatform.LocalInfrastructure;

/// <summary>Generated credentials for local servers, and files only their owner can read.</summary>
public static class Secrets
{
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    /// <summary>Letters and digits only, so it is safe in URIs and config files unescaped.</summary>
    public static string NewPassword(int length = 32) => RandomNumberGenerator.GetString(Alphabet, length);

    /// <summary>
    /// Writes a file that is owner-only from the moment it exists (never readable in between), to a
    /// temporary name first and then renamed into place, so a reader sees the old or the new
    /// content, never a half-written file.
    /// </summary>
    public static void WriteOwnerOnly(string path, string content) => WriteAtomically(path, content, ownerOnly: true);

    /// <summary>Writes a public file (a certificate) by the same write-then-rename steps.</summary>
    public static void WriteAtomically(string path, string content, bool ownerOnly = false)
    {
        var temporary = $"{path}.{RandomNumberGenerator.GetHexString(8, lowercase: true)}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = ownerOnly
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        using (var writer = new StreamWriter(temporary, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options))
        {
            writer.Write(content);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
