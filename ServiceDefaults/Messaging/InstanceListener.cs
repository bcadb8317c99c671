using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthPlatform.ServiceDefaults.Messaging;

/// <summary>
/// A receive endpoint of this instance's own: a temporary, auto-delete queue bound to the events
/// <see cref="Configure"/> handles, so that every instance of every service hears every event
/// (unlike a shared queue, whose consumers compete). Fan-out events — destroyed keys, consent
/// changes — that tell caches what to forget arrive this way. It connects when the host starts,
/// retrying until the broker answers; <see cref="Listening"/> says whether it has.
/// </summary>
public abstract partial class InstanceListener(IBus bus, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Listening => _listening.Task.IsCompleted;

    /// <summary>What this instance listens for, in words, for logs and health ("destroyed subject keys").</summary>
    public abstract string Subject { get; }

    /// <summary>Adds the handlers (and any observers) to the endpoint.</summary>
    protected abstract void Configure(IReceiveEndpointConfigurator endpoint);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var endpoint = bus.ConnectReceiveEndpoint(new TemporaryEndpointDefinition(), configureEndpoint: Configure);
                await endpoint.Ready.WaitAsync(stoppingToken);
                _listening.TrySetResult();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogEndpointFailed(logger, Subject, ex.GetType().Name);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not yet listen for {Subject} ({Error}); retrying.")]
    private static partial void LogEndpointFailed(ILogger logger, string subject, string error);
}

/// <summary>Not ready until the instance listens: a cache that cannot be told what to forget does not serve.</summary>
public sealed class InstanceListenerHealthCheck<TListener>(TListener listener) : IHealthCheck
    where TListener : InstanceListener
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(listener.Listening
            ? HealthCheckResult.Healthy($"Listening for {listener.Subject}.")
            : HealthCheckResult.Unhealthy($"Not yet listening for {listener.Subject}."));
}
