using HealthPlatform.LocalInfrastructure;

namespace HealthPlatform.AppHost.Tests.LocalInfrastructure;

/// <summary>Finding the PostgreSQL programs without assuming a version, on a stand-in package tree.</summary>
public sealed class PostgresInstallationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pg-layout-").FullName;

    [Fact]
    public void Find_TakesTheNewestMajorVersionThatHasTheServerPrograms()
    {
        AddVersion("13", withPrograms: true);
        AddVersion("16", withPrograms: true);
        AddVersion("17", withPrograms: false); // client only: no server programs
        Directory.CreateDirectory(Path.Combine(_root, "common"));

        var installation = PostgresInstallation.Find(debianRoot: _root);

        Assert.Equal(Path.Combine(_root, "16", "bin"), installation.BinDirectory);
    }

    [Fact]
    public void Find_ComparesVersionsAsNumbers()
    {
        AddVersion("9", withPrograms: true);
        AddVersion("15", withPrograms: true);

        Assert.Equal(Path.Combine(_root, "15", "bin"), PostgresInstallation.Find(debianRoot: _root).BinDirectory);
    }

    [Fact]
    public void Find_WithConfiguredDirectory_UsesItOrSaysItIsWrong()
    {
        var bin = AddVersion("14", withPrograms: true);
        Assert.Equal(bin, PostgresInstallation.Find(bin, debianRoot: "/nonexistent").BinDirectory);

        var error = Assert.Throws<LocalInfrastructureException>(() => PostgresInstallation.Find(_root, debianRoot: "/nonexistent"));
        Assert.Contains(_root, error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string AddVersion(string version, bool withPrograms)
    {
        var bin = Directory.CreateDirectory(Path.Combine(_root, version, "bin")).FullName;
        File.WriteAllText(Path.Combine(bin, "psql"), string.Empty);
        if (withPrograms)
        {
            File.WriteAllText(Path.Combine(bin, "postgres"), string.Empty);
            File.WriteAllText(Path.Combine(bin, "initdb"), string.Empty);
        }

        return bin;
    }
}
