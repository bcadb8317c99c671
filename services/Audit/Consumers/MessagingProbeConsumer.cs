using HealthPlatform.Contracts.Diagnostics;
using MassTransit;

namespace HealthPlatform.Audit.Consumers;

/// <summary>Acknowledges a messaging probe in the log; the trace shows the hop from its sender.</summary>
public sealed partial class MessagingProbeConsumer(ILogger<MessagingProbeConsumer> logger) : IConsumer<MessagingProbeSent>
{
    public Task Consume(ConsumeContext<MessagingProbeSent> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        LogReceived(logger, context.Message.ProbeId, context.Message.Origin);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Messaging probe {ProbeId} from {Origin} received")]
    private static partial void LogReceived(ILogger logger, Guid probeId, string origin);
}
