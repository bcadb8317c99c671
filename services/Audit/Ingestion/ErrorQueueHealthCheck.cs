using HealthPlatform.Audit.Ledger;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Messaging;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace HealthPlatform.Audit.Ingestion;

/// <summary>
/// Degraded while refused events wait in the audit queue's error queue (malformed, oversized,
/// unsupported, or failing after every retry) or its skipped queue (a message type nothing here
/// consumes): someone must look at them. Also feeds the <c>audit.log.error_queue.messages</c> gauge.
/// </summary>
public sealed class ErrorQueueHealthCheck(IConfiguration configuration, AuditLogMetrics metrics) : IHealthCheck, IAsyncDisposable
{
    public const string Name = "audit-error-queue";

    public static readonly string ErrorQueue = AuditEventTypes.QueueName + "_error";

    public static readonly string SkippedQueue = AuditEventTypes.QueueName + "_skipped";

    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IConnection? _connection;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // One connection for every probe (Kubernetes asks every few seconds), opened again only when it dropped.
            var connection = await ConnectAsync(cancellationToken);
            var errors = await CountAsync(connection, ErrorQueue, cancellationToken);
            var skipped = await CountAsync(connection, SkippedQueue, cancellationToken);
            metrics.ErrorQueueDepth(errors + skipped);
            var data = new Dictionary<string, object> { [ErrorQueue] = errors, [SkippedQueue] = skipped };
            return errors + skipped == 0
                ? HealthCheckResult.Healthy("No refused audit events.", data)
                : HealthCheckResult.Degraded($"{errors} refused and {skipped} skipped audit events wait for an operator.", data: data);
        }
        catch (BrokerUnreachableException ex)
        {
            return HealthCheckResult.Unhealthy("The broker cannot be reached.", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _connecting.Dispose();
    }

    private async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_connection is { IsOpen: true })
            {
                return _connection;
            }

            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }

            var broker = RabbitMqAddress.Parse(configuration.GetRequiredConnectionString(ResourceNames.Messaging));
            var factory = new ConnectionFactory
            {
                HostName = broker.Host,
                Port = broker.Port,
                VirtualHost = broker.VirtualHost,
                UserName = broker.UserName,
                Password = broker.Password,
                ClientProvidedName = "audit-error-queue-check",
            };
            return _connection = await factory.CreateConnectionAsync(cancellationToken);
        }
        finally
        {
            _connecting.Release();
        }
    }

    private static async Task<long> CountAsync(IConnection connection, string queue, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount;
        }
        catch (OperationInterruptedException)
        {
            return 0;
        }
    }
}
