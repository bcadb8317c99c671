using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.ServiceDefaults.Data;

namespace HealthPlatform.Identity.SigningKeys;

/// <summary>Keeps the ring up to date: at start (once the database is migrated), then every few minutes.</summary>
internal sealed partial class SigningKeyMaintenance(
    SigningKeyRing ring,
    SigningKeyCache cache,
    DatabaseInitializer<IdentityDbContext> database,
    TimeProvider time,
    ILogger<SigningKeyMaintenance> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await database.Completed.WaitAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            var pause = Interval;
            try
            {
                cache.Update(await ring.MaintainAsync(stoppingToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, ex.GetType().Name);
                pause = RetryAfterFailure;
            }

            await Task.Delay(pause, time, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Signing key maintenance failed ({Error}); retrying shortly.")]
    private static partial void LogFailed(ILogger logger, string error);
}
