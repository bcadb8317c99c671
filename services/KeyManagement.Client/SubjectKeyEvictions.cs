using HealthPlatform.Contracts.KeyManagement;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace HealthPlatform.KeyManagement.Client;

/// <summary>
/// Evicts a destroyed subject's key from this instance's cache the moment
/// <see cref="SubjectKeyDestroyed"/> arrives: a receive endpoint of this instance's own (a
/// temporary, auto-delete queue; every instance of every caller hears every event, unlike a shared
/// queue whose consumers compete). The cache is not ready to serve until the endpoint is up.
/// </summary>
internal sealed partial class SubjectKeyEvictions(IBus bus, DataKeyCache cache, ILogger<SubjectKeyEvictions> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Listening => _listening.Task.IsCompleted;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var endpoint = bus.ConnectReceiveEndpoint(new TemporaryEndpointDefinition(), configureEndpoint: receive =>
                    receive.Handler<SubjectKeyDestroyed>(context =>
                    {
                        cache.EvictSubject(context.Message.KeyName, context.Message.SubjectId);
                        return Task.CompletedTask;
                    }));
                await endpoint.Ready.WaitAsync(stoppingToken);
                _listening.TrySetResult();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogEndpointFailed(logger, ex.GetType().Name);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not yet listen for destroyed subject keys ({Error}); retrying.")]
    private static partial void LogEndpointFailed(ILogger logger, string error);
}

/// <summary>Not ready until this instance hears <see cref="SubjectKeyDestroyed"/>: a cache that cannot be told to forget a key does not serve.</summary>
internal sealed class SubjectKeyEvictionsHealthCheck(SubjectKeyEvictions evictions, DataKeyCache cache) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(evictions.Listening
            ? HealthCheckResult.Healthy($"{cache.Count} data key(s) cached; listening for destroyed subject keys.")
            : HealthCheckResult.Unhealthy("Not yet listening for destroyed subject keys."));
}
