namespace HealthPlatform.LocalInfrastructure;

/// <summary>Finds programs on <c>PATH</c>, failing with the Debian package to install.</summary>
public static class Executables
{
    public static string Find(string name, string debianPackage) =>
        TryFind(name) ?? throw new LocalInfrastructureException(
            $"'{name}' was not found on PATH. Install it: sudo apt-get install {debianPackage}");

    public static string? TryFind(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
    }
}
