using HealthPlatform.AppHost.RunModes;

namespace HealthPlatform.AppHost.Tests.RunModes;

/// <summary>The probe against stand-in runtimes: an engine that answers, one that fails, one that hangs.</summary>
public sealed class ContainerRuntimeProbeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("probe-test-").FullName;

    [Fact]
    public async Task Probe_WhenEngineAnswers_IsAvailable()
    {
        var probe = new ContainerRuntimeProbe(Runtime("echo 27.0.1; exit 0"), TimeSpan.FromSeconds(10));

        Assert.True(await probe.IsAvailableAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Probe_WhenClientFindsNoEngine_IsNotAvailable()
    {
        var probe = new ContainerRuntimeProbe(Runtime("echo 'Cannot connect to the Docker daemon' >&2; exit 1"), TimeSpan.FromSeconds(10));

        Assert.False(await probe.IsAvailableAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Probe_WhenEngineHangs_GivesUpAtTheTimeout()
    {
        var probe = new ContainerRuntimeProbe(Runtime("sleep 60"), TimeSpan.FromMilliseconds(300));

        var started = TimeProvider.System.GetTimestamp();
        Assert.False(await probe.IsAvailableAsync(CancellationToken.None));
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(30), "the hanging probe was not cut off");
    }

    [Fact]
    public async Task Probe_WhenRuntimeIsNotInstalled_IsNotAvailable()
    {
        var probe = new ContainerRuntimeProbe(Path.Combine(_folder, "no-such-runtime"), TimeSpan.FromSeconds(5));

        Assert.False(await probe.IsAvailableAsync(CancellationToken.None));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Runtime(string script)
    {
        var path = Path.Combine(_folder, $"runtime-{Guid.NewGuid():N}");
        File.WriteAllText(path, $"#!/bin/sh\n{script}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
