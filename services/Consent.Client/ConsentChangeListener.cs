using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace HealthPlatform.Consent.Client;

/// <summary>
/// Forgets a patient's decisions the moment <see cref="ConsentChanged"/> arrives on this
/// instance's own queue. Whenever the endpoint becomes ready — the first time, and after each
/// reconnect, when the queue is new and changes in the gap were missed — every decision is
/// forgotten. The instance is not ready until it listens (readiness check <c>consent-cache</c>).
/// </summary>
internal sealed class ConsentChangeListener(IBus bus, ConsentDecisions decisions, ILogger<ConsentChangeListener> logger) : InstanceListener(bus, logger)
{
    public override string Subject => "consent changes";

    protected override void Configure(IReceiveEndpointConfigurator endpoint)
    {
        endpoint.Handler<ConsentChanged>(context =>
        {
            decisions.EvictPatient(context.Message.PatientId);
            return Task.CompletedTask;
        });
        endpoint.ConnectReceiveEndpointObserver(new ReconnectObserver(decisions));
    }

    /// <summary>Every time the endpoint becomes ready, nothing cached before can be trusted.</summary>
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
