using HealthPlatform.Contracts.Audit;
using HealthPlatform.KeyManagement.Infrastructure;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Data;
using Microsoft.Extensions.Options;

namespace HealthPlatform.KeyManagement.Keys;

/// <summary>
/// Rotates each key whose <see cref="ManagedKeyOptions.RotationPeriod"/> has passed since its last
/// rotation: a new version for new wraps, older ones still unwrap. The decision is taken under the
/// key's advisory lock (<see cref="KeyRing.RotateAsync"/>), so with several replicas a key is
/// rotated once. Each rotation is audited with this service as the actor.
/// </summary>
public sealed partial class ScheduledRotation(
    KeyRing ring,
    DatabaseInitializer<KeyManagementDbContext> database,
    IAuditTrail trail,
    IOptions<KeyManagementOptions> options,
    TimeProvider time,
    ILogger<ScheduledRotation> logger) : BackgroundService
{
    private static readonly AuditActor Service = AuditActors.OfService(ResourceNames.KeyManagement);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await database.Completed.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.RotationCheckInterval, time);
        do
        {
            foreach (var (name, key) in options.Value.Keys)
            {
                if (key.RotationPeriod is not { } period)
                {
                    continue;
                }

                try
                {
                    var now = time.GetUtcNow();
                    if (await ring.RotateAsync(name, key.Kind, lastRotated => now - lastRotated >= period, stoppingToken) is { } rotated)
                    {
                        LogRotated(logger, name, rotated.Version);
                        await trail.RecordAsync(
                            new KeyOperationPerformed { Header = trail.NewHeader(), Actor = Service, Operation = KeyOperation.Rotate, KeyName = name, KeyVersion = rotated.Version, Outcome = AuditOutcome.Success },
                            stoppingToken);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogFailed(logger, name, ex.GetType().Name);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Key {KeyName} rotated on schedule to version {Version}.")]
    private static partial void LogRotated(ILogger logger, string keyName, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled rotation of {KeyName} failed ({Error}); retrying at the next check.")]
    private static partial void LogFailed(ILogger logger, string keyName, string error);
}
