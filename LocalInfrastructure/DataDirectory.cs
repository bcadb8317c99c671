using System.Globalization;

namespace HealthPlatform.LocalInfrastructure;

/// <summary>
/// Guards the folder where local servers keep data and generated secrets. It usually sits in a
/// shared, world-writable place (<c>/var/tmp</c>, so that the postgres user can reach it), where
/// another local user could plant it first, or plant a symbolic link, to read or overwrite what
/// is written there. Refuse any folder on the way that is a link or belongs to someone else.
/// </summary>
public static class DataDirectory
{
    public static void EnsureOwned(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Directory.CreateDirectory(path);
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var me = Environment.UserName;
        for (var current = new DirectoryInfo(path); current is not null; current = current.Parent)
        {
            if (current.LinkTarget is not null)
            {
                throw new LocalInfrastructureException($"The data folder '{path}' passes through a symbolic link ('{current.FullName}'); choose another with LocalInfrastructure:DataDirectory.");
            }

            // Stop at the first shared folder (sticky and world-writable, like /tmp or /var/tmp): above it, the system owns the path.
            var mode = File.GetUnixFileMode(current.FullName);
            if (mode.HasFlag(UnixFileMode.StickyBit) && mode.HasFlag(UnixFileMode.OtherWrite))
            {
                return;
            }

            var owner = Owner(current.FullName);
            if (!string.Equals(owner, me, StringComparison.Ordinal) && owner != "root")
            {
                throw new LocalInfrastructureException($"The data folder '{current.FullName}' belongs to '{owner}', not to '{me}'; choose another with LocalInfrastructure:DataDirectory.");
            }
        }
    }

    private static string Owner(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%U", path]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = System.Diagnostics.Process.Start(start) ?? throw new LocalInfrastructureException("Could not run stat.");
        var owner = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 ? owner : throw new LocalInfrastructureException(string.Create(CultureInfo.InvariantCulture, $"stat failed on '{path}' ({process.ExitCode})."));
    }
}
