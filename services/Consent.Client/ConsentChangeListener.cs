using HealthPlatform.Contracts.Audit;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthPlatform.Consent.Client;

/// <summary>
/// Forgets a patient's decisions the moment <see cref="ConsentChanged"/> arrives: a receive endpoint
/// of this instance's own (a temporary, auto-delete queue; every instance hears every change,
/// unlike a shared queue whose consumers compete). Whenever the endpoint (re)connects — after a
/// broker restart the queue is new and changes in the gap were missed — every decision is
/// forgotten; so is whatever was cached before the endpoint first came up. The instance is not
/// ready until it listens.
/// </summary>
internal sealed partial class ConsentChangeListener(IBus bus, ConsentDecisions decisions, ILogger<ConsentChangeListener> logger) : BackgroundService
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
                {
                    receive.Handler<ConsentChanged>(context =>
                    {
                        decisions.EvictPatient(context.Message.PatientId);
                        return Task.CompletedTask;
                    });
                    receive.ConnectReceiveEndpointObserver(new ReconnectObserver(decisions));
                });
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not yet listen for consent changes ({Error}); retrying.")]
    private static partial void LogEndpointFailed(ILogger logger, string error);

    /// <summary>Every time the endpoint becomes ready — the first time and after each reconnect — nothing cached before can be trusted.</summary>
    private sealed class ReconnectObserver(ConsentDecisions decisions) : IReceiveEndpointObserver
    {
        public Task Ready(ReceiveEndpointReady ready)
        {
            decisions.EvictAll();
            return Task.CompletedTask;
        }

        public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

        public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

        public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;
    }
}

/// <summary>Not ready until this instance hears <see cref="ConsentChanged"/>: a cache that cannot be told to forget a decision does not serve.</summary>
internal sealed class ConsentChangeListenerHealthCheck(ConsentChangeListener listener) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(listener.Listening
            ? HealthCheckResult.Healthy("Listening for consent changes.")
            : HealthCheckResult.Unhealthy("Not yet listening for consent changes."));
}
