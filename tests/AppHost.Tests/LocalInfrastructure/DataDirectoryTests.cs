using HealthPlatform.LocalInfrastructure;

namespace HealthPlatform.AppHost.Tests.LocalInfrastructure;

public sealed class DataDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("data-dir-").FullName;

    [Fact]
    public void EnsureOwned_CreatesAFolderOfOurOwn()
    {
        var path = Path.Combine(_root, "a", "b");

        DataDirectory.EnsureOwned(path);

        Assert.True(Directory.Exists(path));
    }

    [Fact]
    public void EnsureOwned_RefusesAPathThroughASymbolicLink()
    {
        var target = Directory.CreateDirectory(Path.Combine(_root, "elsewhere")).FullName;
        var link = Path.Combine(_root, "planted");
        Directory.CreateSymbolicLink(link, target);

        var error = Assert.Throws<LocalInfrastructureException>(() => DataDirectory.EnsureOwned(Path.Combine(link, "data")));

        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
