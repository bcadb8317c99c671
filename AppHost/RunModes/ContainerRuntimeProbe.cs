using System.Diagnostics;

namespace HealthPlatform.AppHost.RunModes;

/// <summary>
/// Asks the container runtime's engine for <c>info</c> (docker and podman alike), with a
/// timeout. A client binary alone proves nothing: with no engine behind it, Aspire's container
/// resources hang instead of failing, so only an engine that answers in time counts.
/// </summary>
public sealed class ContainerRuntimeProbe(string runtime, TimeSpan timeout) : IContainerRuntimeProbe
{
    /// <summary>The runtime Aspire itself would use (<c>ASPIRE_CONTAINER_RUNTIME</c>, else docker).</summary>
    public static ContainerRuntimeProbe Default(TimeSpan timeout) =>
        new(Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") is { Length: > 0 } configured ? configured : "docker", timeout);

    public async Task<bool> IsAvailableAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(runtime)
        {
            ArgumentList = { "info" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // Not installed at all.
        }

        if (process is null)
        {
            return false;
        }

        using (process)
        using (var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timer.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(timer.Token);
                return process.ExitCode == 0;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It exited just as the time ran out; too late either way.
                }

                return false;
            }
        }
    }
}
