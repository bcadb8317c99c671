namespace HealthPlatform.AppHost.RunModes;

/// <summary>Answers whether a container runtime is really usable (not merely installed).</summary>
public interface IContainerRuntimeProbe
{
    Task<bool> IsAvailableAsync(CancellationToken cancellationToken);
}
