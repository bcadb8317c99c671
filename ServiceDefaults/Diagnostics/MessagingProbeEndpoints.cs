using HealthPlatform.Contracts.Diagnostics;
using HealthPlatform.ServiceDefaults.Hosting;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace HealthPlatform.ServiceDefaults.Diagnostics;

internal static class MessagingProbeEndpoints
{
    public const string Path = "/diagnostics/messaging-probe";

    /// <summary>
    /// DEV ONLY: <c>POST /diagnostics/messaging-probe</c> on the management listener publishes a
    /// <see cref="MessagingProbeSent"/> for the audit service to receive. It exists so that a
    /// developer (and the end-to-end tests) can follow one trace from an HTTP call through
    /// RabbitMQ into another service. It is not mapped outside Development.
    /// </summary>
    public static IEndpointRouteBuilder MapMessagingProbe(this IEndpointRouteBuilder endpoints, IHostEnvironment environment)
    {
        if (!environment.IsDevelopment())
        {
            return endpoints;
        }

        endpoints.MapPost(Path, SendProbeAsync)
            .WithMetadata(new ListenerMetadata(ResourceNames.Endpoints.Management))
            .AllowAnonymous()
            .WithName("SendMessagingProbe")
            .WithSummary("DEV ONLY: publish a messaging probe to check the bus end to end.");
        return endpoints;
    }

    private static async Task<Accepted<MessagingProbeSent>> SendProbeAsync(
        IPublishEndpoint bus,
        IHostEnvironment environment,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var probe = new MessagingProbeSent
        {
            ProbeId = Guid.NewGuid(),
            Origin = environment.ApplicationName,
            SentAt = time.GetUtcNow(),
        };
        await bus.Publish(probe, cancellationToken);
        return TypedResults.Accepted((string?)null, probe);
    }
}
