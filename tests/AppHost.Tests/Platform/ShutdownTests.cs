using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using HealthPlatform.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthPlatform.AppHost.Tests.Platform;

/// <summary>A platform of its own: this test ends it and checks that nothing it started lives on.</summary>
public sealed class ShutdownTests
{
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Dispose_AfterAllResourcesWereHealthy_LeavesNoProcessRunning()
    {
        var platform = await PlatformApp.StartAsync(otlpEndpoint: null, CancellationToken.None);
        var dataDirectory = platform.DataDirectory;
        List<ProcessInfo> started;
        try
        {
            foreach (var name in PlatformApp.Infrastructure.Concat(PlatformApp.Services))
            {
                Assert.True(platform.Notifications.TryGetCurrentState(name, out var state), $"{name} has no state");
                Assert.Equal(HealthStatus.Healthy, state.Snapshot.HealthStatus);
            }

            // The processes the orchestrator reports for each resource, their children (postgres workers,
            // the Erlang VM, the services' own processes), and anything a server might have daemonised
            // (epmd), which still carries the run's data folder in its environment.
            var roots = PlatformApp.Infrastructure.Concat(PlatformApp.Services).Append($"{ResourceNames.Messaging}-epmd")
                .Select(name => platform.Notifications.TryGetCurrentState(name, out var state) ? state : null)
                .Select(state => state?.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value)
                .Select(pid => Convert.ToInt32(pid, CultureInfo.InvariantCulture))
                .ToList();
            Assert.Equal(PlatformApp.Infrastructure.Length + PlatformApp.Services.Length + 1, roots.Count(pid => pid > 0));
            started = roots.Select(ProcessTable.Read).OfType<ProcessInfo>()
                .Concat(roots.SelectMany(ProcessTable.DescendantsOf))
                .Concat(ProcessTable.Referencing(dataDirectory))
                .Distinct()
                .ToList();
            Assert.Contains(started, p => p.Name == "postgres");
            Assert.Contains(started, p => p.Name == "redis-server");
            Assert.Contains(started, p => p.Name == "beam.smp");
            Assert.Contains(started, p => p.Name == "epmd");
            Assert.Contains(started, p => p.Name.StartsWith("HealthPlatform.", StringComparison.Ordinal));
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }

        await platform.DisposeAsync();

        var survivors = await Eventually.MatchAsync(
            _ => Task.FromResult(started.Where(p => p.IsAlive()).Concat(ProcessTable.Referencing(dataDirectory)).Distinct().ToList()),
            alive => alive.Count == 0,
            CleanupTimeout,
            "every process of the platform to exit");
        Assert.Empty(survivors);
    }
}
