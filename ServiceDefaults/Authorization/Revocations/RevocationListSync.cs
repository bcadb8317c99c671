using HealthPlatform.Contracts.Revocation;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Authorization.Revocations;

/// <summary>How this instance keeps its revocation list current (section <c>Revocations</c>).</summary>
public sealed class RevocationListOptions
{
    public const string SectionName = "Revocations";

    /// <summary>
    /// How often the whole list is read again from the identity service — a safety net under the
    /// events, which arrive within milliseconds; an event lost with a broker bounds the delay to this.
    /// </summary>
    public TimeSpan ResynchronizeInterval { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Keeps <see cref="RevocationList"/> current: first a receive endpoint of this instance's own (a
/// temporary, auto-delete queue bound to <see cref="AccessRevoked"/>: every instance of every
/// service gets every event, unlike a shared queue where instances compete), then a snapshot of the
/// identity service's durable list (so nothing revoked before this instance started, or while its
/// queue did not exist yet, is missed), then the snapshot again every
/// <see cref="RevocationListOptions.ResynchronizeInterval"/>.
/// </summary>
internal sealed partial class RevocationListSync(
    IServiceProvider services,
    RevocationList list,
    IOptions<RevocationListOptions> options,
    ILogger<RevocationListSync> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var bus = services.GetService<IBus>() ?? throw new InvalidOperationException("Access token revocations need the platform's messaging (AddPlatformMessaging).");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var endpoint = bus.ConnectReceiveEndpoint(new TemporaryEndpointDefinition(), configureEndpoint: receive =>
                    receive.Handler<AccessRevoked>(context =>
                    {
                        list.Apply(context.Message);
                        return Task.CompletedTask;
                    }));
                await endpoint.Ready.WaitAsync(stoppingToken);
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogEndpointFailed(logger, ex.GetType().Name);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = options.Value.ResynchronizeInterval;
            try
            {
                await using var scope = services.CreateAsyncScope();
                var snapshot = await scope.ServiceProvider.GetRequiredService<RevocationListClient>().GetAsync(stoppingToken);
                list.Synchronize(snapshot.Revocations);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Until the first snapshot arrives this instance is not ready; retry soon.
                LogSnapshotFailed(logger, ex.GetType().Name);
                delay = list.Loaded.IsCompleted ? TimeSpan.FromSeconds(Math.Min(10, delay.TotalSeconds)) : RetryDelay;
            }

            await Task.Delay(delay, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The revocation receive endpoint could not be connected ({Error}); retrying.")]
    private static partial void LogEndpointFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The revocation list could not be read from the identity service ({Error}); retrying.")]
    private static partial void LogSnapshotFailed(ILogger logger, string error);
}
