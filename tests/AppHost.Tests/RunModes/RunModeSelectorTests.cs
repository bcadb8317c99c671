using HealthPlatform.AppHost.RunModes;

namespace HealthPlatform.AppHost.Tests.RunModes;

public sealed class RunModeSelectorTests
{
    [Theory]
    [InlineData(null, true, RunMode.Containers)]
    [InlineData(null, false, RunMode.Local)]
    [InlineData("", false, RunMode.Local)]
    [InlineData("auto", true, RunMode.Containers)]
    [InlineData("AUTO", false, RunMode.Local)]
    [InlineData("local", true, RunMode.Local)]
    [InlineData("Containers", false, RunMode.Containers)]
    public async Task Select_ChoosesBySettingThenProbe(string? setting, bool runtimeAnswers, RunMode expected)
    {
        var probe = new FakeProbe(runtimeAnswers);

        var mode = await new RunModeSelector(probe).SelectAsync(setting, CancellationToken.None);

        Assert.Equal(expected, mode);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("containers")]
    public async Task Select_WithExplicitMode_NeverProbes(string setting)
    {
        var probe = new FakeProbe(true);

        await new RunModeSelector(probe).SelectAsync(setting, CancellationToken.None);

        Assert.Equal(0, probe.Calls);
    }

    [Fact]
    public async Task Select_WithUnknownMode_FailsNamingTheSetting()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => new RunModeSelector(new FakeProbe(true)).SelectAsync("kubernetes", CancellationToken.None));

        Assert.Contains("Platform:RunMode", error.Message, StringComparison.Ordinal);
        Assert.Contains("kubernetes", error.Message, StringComparison.Ordinal);
    }

    private sealed class FakeProbe(bool available) : IContainerRuntimeProbe
    {
        public int Calls { get; private set; }

        public Task<bool> IsAvailableAsync(CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(available);
        }
    }
}
