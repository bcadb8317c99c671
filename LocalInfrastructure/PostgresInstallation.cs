using System.Globalization;

namespace HealthPlatform.LocalInfrastructure;

/// <summary>
/// Where the PostgreSQL server programs are. Debian and Ubuntu keep them out of PATH, under
/// <c>/usr/lib/postgresql/{major}/bin</c>; the newest installed major version is taken, so no
/// version is assumed. Other systems usually have <c>postgres</c> on PATH.
/// </summary>
public sealed record PostgresInstallation(string BinDirectory)
{
    public const string DebianRoot = "/usr/lib/postgresql";

    public string Postgres => Path.Combine(BinDirectory, "postgres");

    public string InitDb => Path.Combine(BinDirectory, "initdb");

    public static PostgresInstallation Find(string? configuredBinDirectory = null, string debianRoot = DebianRoot)
    {
        if (!string.IsNullOrWhiteSpace(configuredBinDirectory))
        {
            return Verify(configuredBinDirectory)
                ?? throw new LocalInfrastructureException($"No postgres and initdb in the configured directory '{configuredBinDirectory}'.");
        }

        var fromDebian = Directory.Exists(debianRoot)
            ? Directory.EnumerateDirectories(debianRoot)
                .Select(directory => (Directory: directory, Major: MajorVersion(Path.GetFileName(directory))))
                .Where(candidate => candidate.Major is not null)
                .OrderByDescending(candidate => candidate.Major)
                .Select(candidate => Verify(Path.Combine(candidate.Directory, "bin")))
                .FirstOrDefault(installation => installation is not null)
            : null;

        var onPath = Executables.TryFind("postgres") is { } postgres ? Verify(Path.GetDirectoryName(postgres)!) : null;
        return fromDebian ?? onPath ?? throw new LocalInfrastructureException(
            "PostgreSQL server programs were not found (looked in /usr/lib/postgresql/*/bin and on PATH). " +
            "Install them: sudo apt-get install postgresql");
    }

    private static PostgresInstallation? Verify(string binDirectory)
    {
        var installation = new PostgresInstallation(binDirectory);
        return File.Exists(installation.Postgres) && File.Exists(installation.InitDb) ? installation : null;
    }

    private static int? MajorVersion(string name) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : null;
}
