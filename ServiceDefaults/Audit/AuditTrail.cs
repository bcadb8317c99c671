using System.Diagnostics;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit.Outbox;
using HealthPlatform.ServiceDefaults.Security;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Audit;

/// <summary>
/// Sends audit events to the durable audit queue with RabbitMQ publisher confirms and the
/// <c>mandatory</c> flag: a send completes only when the broker has the event in the queue, and
/// an event the broker could not route (the queue was deleted) fails instead of vanishing.
/// </summary>
internal sealed partial class AuditTrail(
    IBus bus,
    PlatformCertificates certificates,
    TimeProvider time,
    IHostEnvironment environment,
    IOptions<AuditTrailOptions> options,
    AuditMetrics metrics,
    ILogger<AuditTrail> logger) : IAuditTrail
{
    private static readonly Uri QueueAddress = new($"queue:{AuditEventTypes.QueueName}");

    private readonly string _source = ServiceIdentity.FromCertificate(certificates.Current.Certificate)
        ?? throw new InvalidOperationException("The service certificate carries no platform identity to name the audit source.");

    public AuditHeader NewHeader()
    {
        var now = time.GetUtcNow();
        return new AuditHeader
        {
            EventId = Guid.CreateVersion7(now),
            OccurredAt = now,
            Source = _source,
            TraceId = Activity.Current?.TraceId is { } trace && trace != default ? trace.ToHexString() : null,
        };
    }

    public async Task RecordAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        var eventType = EnsureValid(auditEvent);
        await SendAsync(auditEvent, eventType, "direct", cancellationToken);
    }

    public void Enqueue(DbContext database, AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(database);
        var eventType = EnsureValid(auditEvent);
        database.Set<AuditOutboxMessage>().Add(AuditOutboxMessage.From(auditEvent, eventType, time.GetUtcNow()));
        metrics.Outboxed(eventType);
    }

    /// <summary>Sends one event and waits for the broker's confirm, within the configured bound.</summary>
    internal async Task SendAsync(AuditEvent auditEvent, string eventType, string path, CancellationToken cancellationToken)
    {
        var timeout = options.Value.ConfirmTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var endpoint = await bus.GetSendEndpoint(QueueAddress);
            var pipe = Pipe.Execute<SendContext>(context =>
            {
                context.MessageId = auditEvent.Header.EventId;
                context.Durable = true;
                if (context.TryGetPayload<RabbitMqSendContext>(out var rabbit))
                {
                    rabbit.Mandatory = true;
                }
            });

            // The token bounds the wait for a connection; WaitAsync also bounds a confirm that never comes.
            await endpoint.Send(auditEvent, auditEvent.GetType(), pipe, deadline.Token).WaitAsync(timeout, cancellationToken);
            metrics.Confirmed(eventType, path);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not AuditUnavailableException)
        {
            metrics.Failed(eventType, path);
            LogNotConfirmed(logger, eventType, timeout, ex.GetType().Name);
            throw new AuditUnavailableException($"The broker did not confirm the {eventType} audit event within {timeout}.", ex);
        }
    }

    /// <summary>Checks the event against its schema; returns its type name.</summary>
    private string EnsureValid(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        var eventType = auditEvent.GetType().Name;
        var problems = AuditEventSchema.Validate(auditEvent);
        if (problems.Count == 0)
        {
            return eventType;
        }

        metrics.Rejected(eventType);
        var description = string.Join(" ", problems);
        if (environment.IsDevelopment())
        {
            throw new InvalidAuditEventException($"{eventType} fails its schema: {description}");
        }

        // Problems name fields, never values, so they are safe to log.
        LogRejected(logger, eventType, description);
        throw new AuditUnavailableException($"The {eventType} audit event is malformed and was not sent.");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit event {EventType} refused: it fails its schema ({Problems}). Nothing was sent.")]
    private static partial void LogRejected(ILogger logger, string eventType, string problems);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit event {EventType} not confirmed by the broker within {Timeout} ({Error}).")]
    private static partial void LogNotConfirmed(ILogger logger, string eventType, TimeSpan timeout, string error);
}
