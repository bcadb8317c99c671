using HealthPlatform.Contracts.KeyManagement;
using HealthPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace HealthPlatform.KeyManagement.Client;

/// <summary>
/// Evicts a destroyed subject's key from this instance's cache the moment
/// <see cref="SubjectKeyDestroyed"/> arrives on this instance's own queue. The cache is not ready
/// to serve until the endpoint is up (readiness check <c>key-cache</c>).
/// </summary>
internal sealed class SubjectKeyEvictions(IBus bus, DataKeyCache cache, ILogger<SubjectKeyEvictions> logger) : InstanceListener(bus, logger)
{
    public override string Subject => "destroyed subject keys";

    protected override void Configure(IReceiveEndpointConfigurator endpoint) =>
        endpoint.Handler<SubjectKeyDestroyed>(context =>
        {
            cache.EvictSubject(context.Message.KeyName, context.Message.SubjectId);
            return Task.CompletedTask;
        });
}
