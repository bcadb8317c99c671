using HealthPlatform.Audit.Ledger;
using HealthPlatform.Contracts.Audit;
using MassTransit;
using Microsoft.Extensions.Options;

namespace HealthPlatform.Audit.Ingestion;

/// <summary>
/// Takes audit events off the durable queue the producers declare and appends them to the chain.
/// An event is acknowledged only once it is committed; one that is oversized, of a schema version
/// this service does not know, or that fails its schema is refused: it goes to the error queue
/// with the reason (MassTransit's <c>MT-Fault-Message</c> header), is counted, and shows in the
/// <c>audit-error-queue</c> health check — it is never dropped.
/// </summary>
public sealed partial class AuditEventConsumer(
    AuditLedger ledger,
    AuditLogMetrics metrics,
    IOptions<AuditLogOptions> options,
    ILogger<AuditEventConsumer> logger) :
    IConsumer<PatientDataAccessed>,
    IConsumer<AuthorizationDecided>,
    IConsumer<SecurityEventRecorded>,
    IConsumer<KeyOperationPerformed>,
    IConsumer<ConsentChanged>,
    IConsumer<SecurityAlertRaised>
{
    public Task Consume(ConsumeContext<PatientDataAccessed> context) => StoreAsync(context);

    public Task Consume(ConsumeContext<AuthorizationDecided> context) => StoreAsync(context);

    public Task Consume(ConsumeContext<SecurityEventRecorded> context) => StoreAsync(context);

    public Task Consume(ConsumeContext<KeyOperationPerformed> context) => StoreAsync(context);

    public Task Consume(ConsumeContext<ConsentChanged> context) => StoreAsync(context);

    public Task Consume(ConsumeContext<SecurityAlertRaised> context) => StoreAsync(context);

    private async Task StoreAsync<TEvent>(ConsumeContext<TEvent> context)
        where TEvent : AuditEvent
    {
        ArgumentNullException.ThrowIfNull(context);
        var auditEvent = context.Message;
        var eventType = typeof(TEvent).Name;
        var entry = Admit(context, auditEvent, eventType);
        await ledger.AppendAsync(entry, context.CancellationToken);
    }

    private LedgerEntry Admit<TEvent>(ConsumeContext<TEvent> context, TEvent auditEvent, string eventType)
        where TEvent : AuditEvent
    {
        var maxBytes = options.Value.MaxEventBytes;
        if (context.ReceiveContext.Body.Length is { } size && size > maxBytes)
        {
            throw Refuse(eventType, "oversized", $"The message is {size} bytes; at most {maxBytes} are accepted.");
        }

        if (auditEvent.Header is null)
        {
            throw Refuse(eventType, "schema", "The event has no header.");
        }

        if (!AuditEventTypes.IsSupported(typeof(TEvent), auditEvent.SchemaVersion))
        {
            throw Refuse(eventType, "unsupported-version", $"Schema version {auditEvent.SchemaVersion} of {eventType} is not one this service stores.");
        }

        // The schema's problems name fields, never their values: safe to log and to keep in the error queue.
        var problems = AuditEventSchema.Validate(auditEvent);
        if (problems.Count > 0)
        {
            throw Refuse(eventType, "schema", string.Join(" ", problems));
        }

        var entry = LedgerEntries.From(auditEvent);
        return System.Text.Encoding.UTF8.GetByteCount(entry.Payload) > maxBytes
            ? throw Refuse(eventType, "oversized", $"The event is more than {maxBytes} bytes as stored.")
            : entry;
    }

    private RejectedAuditEventException Refuse(string eventType, string reason, string detail)
    {
        metrics.Rejected(eventType, reason);
        LogRefused(logger, eventType, reason, detail);
        return new RejectedAuditEventException($"{reason}: {detail}");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit event {EventType} refused ({Reason}): {Detail} It goes to the error queue.")]
    private static partial void LogRefused(ILogger logger, string eventType, string reason, string detail);
}

/// <summary>An audit event this service will not store as it is; its message goes to the error queue at once, with this message as the reason.</summary>
public sealed class RejectedAuditEventException(string message) : Exception(message);

/// <summary>
/// The audit queue's endpoint: the queue the producers declare, two batches' worth of messages in
/// hand (so concurrent consumers fill the next group commit while one is written), no subscriptions to published types,
/// refused events straight to the error queue, and storage failures retried with backoff.
/// </summary>
public sealed class AuditEventConsumerDefinition : ConsumerDefinition<AuditEventConsumer>
{
    public AuditEventConsumerDefinition(IOptions<AuditLogOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Endpoint(endpoint =>
        {
            endpoint.Name = AuditEventTypes.QueueName;
            endpoint.ConfigureConsumeTopology = false;
            // Twice a batch in hand: while one batch is being committed (its consumers waiting), the
            // next one fills. With only one batch's worth, every slot would wait on the commit and
            // the writer would find a near-empty queue each time: many small transactions.
            endpoint.ConcurrentMessageLimit = options.Value.MaxBatchSize * 2;
            endpoint.PrefetchCount = options.Value.MaxBatchSize * 4;
        });
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<AuditEventConsumer> consumerConfigurator, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Ignore<RejectedAuditEventException>();
            retry.Exponential(20, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
        });
    }
}
