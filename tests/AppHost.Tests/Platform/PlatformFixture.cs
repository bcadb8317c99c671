using HealthPlatform.AppHost.Tests.Telemetry;

namespace HealthPlatform.AppHost.Tests.Platform;

/// <summary>One platform start shared by the tests of the <see cref="PlatformGroup"/>.</summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    private PlatformApp? _platform;
    private OtlpTraceReceiver? _telemetry;

    public PlatformApp Platform => _platform ?? throw new InvalidOperationException("The platform has not started.");

    public OtlpTraceReceiver Telemetry => _telemetry ?? throw new InvalidOperationException("The receiver has not started.");

    public async Task InitializeAsync()
    {
        _telemetry = await OtlpTraceReceiver.StartAsync();
        _platform = await PlatformApp.StartAsync(_telemetry.Endpoint, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }

        if (_telemetry is not null)
        {
            await _telemetry.DisposeAsync();
        }
    }
}
