namespace HealthPlatform.AppHost.RunModes;

/// <summary>
/// Chooses the run mode from the <c>Platform:RunMode</c> setting (environment:
/// <c>Platform__RunMode</c>): <c>local</c>, <c>containers</c>, or <c>auto</c> (the default),
/// which takes containers only when a container runtime answers the probe.
/// </summary>
public sealed class RunModeSelector(IContainerRuntimeProbe probe)
{
    public const string SettingKey = "Platform:RunMode";

    public async Task<RunMode> SelectAsync(string? setting, CancellationToken cancellationToken)
    {
        switch (setting?.Trim().ToUpperInvariant())
        {
            case null or "" or "AUTO":
                return await probe.IsAvailableAsync(cancellationToken) ? RunMode.Containers : RunMode.Local;
            case "LOCAL":
                return RunMode.Local;
            case "CONTAINERS":
                return RunMode.Containers;
            default:
                throw new InvalidOperationException(
                    $"Setting '{SettingKey}' is '{setting}'; use 'auto', 'local' or 'containers'.");
        }
    }
}
