using HealthPlatform.Contracts.Audit;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.Identity.Revocations;
using HealthPlatform.Identity.Users;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Authorization;
using HealthPlatform.ServiceDefaults.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HealthPlatform.Identity.Administration;

/// <summary>Just-in-time elevation (section <c>Identity:Elevation</c>).</summary>
public sealed class ElevationOptions
{
    public const string SectionName = "Identity:Elevation";

    /// <summary>The longest an elevation may last.</summary>
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How often expired elevations are looked for (each is ended, audited and its tokens revoked once).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Roles that may be granted for a time (never <c>patient</c>: a patient is who someone is, not a privilege).</summary>
    public IReadOnlyList<string> ElevatableRoles => [.. PlatformRoles.All.Where(role => role != PlatformRoles.Patient)];
}

/// <summary>The roles a user holds now: their assigned roles and the elevations still in force.</summary>
public sealed class EffectiveRoles(UserManager<PlatformUser> users, IdentityDbContext database, TimeProvider time)
{
    public async Task<IReadOnlyList<string>> OfAsync(PlatformUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var assigned = await users.GetRolesAsync(user);
        var now = time.GetUtcNow();
        var elevated = await database.RoleElevations.AsNoTracking()
            .Where(elevation => elevation.UserId == user.Id && elevation.EndedAt == null && elevation.ExpiresAt > now)
            .Select(elevation => elevation.Role)
            .ToListAsync(cancellationToken);
        return [.. assigned.Union(elevated, StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }
}

/// <summary>
/// Ends elevations whose time is up: records the end, audits <see cref="SecurityEventKind.ElevationExpired"/>
/// and revokes the user's tokens (a token issued during the elevation carries the role). The end is
/// claimed with a conditional update, so with several replicas each expiry is processed once.
/// </summary>
public sealed partial class ElevationExpiry(
    IServiceScopeFactory scopes,
    DatabaseInitializer<IdentityDbContext> database,
    IAuditTrail trail,
    IOptions<ElevationOptions> options,
    TimeProvider time,
    ILogger<ElevationExpiry> logger) : BackgroundService
{
    /// <summary>The identity service itself, as the actor of what it does on its own.</summary>
    public static AuditActor Service { get; } = AuditActors.OfService(ResourceNames.Identity);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await database.Completed.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.CheckInterval, time);
        do
        {
            try
            {
                await EndExpiredAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, ex.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Processes every elevation that has expired and is not yet ended; returns how many this instance ended.</summary>
    public async Task<int> EndExpiredAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<IdentityDbContext>();
        var now = time.GetUtcNow();
        var expired = await context.RoleElevations.AsNoTracking()
            .Where(elevation => elevation.EndedAt == null && elevation.ExpiresAt <= now)
            .OrderBy(elevation => elevation.ExpiresAt)
            .Take(100)
            .ToListAsync(cancellationToken);
        var ended = 0;
        foreach (var elevation in expired)
        {
            // Tokens first — durable once stored, harmless if two replicas both do it — so that no
            // crash can leave an elevation ended but its tokens alive; then one replica claims the
            // end and records it.
            await scope.ServiceProvider.GetRequiredService<AccessRevocations>()
                .RevokeSubjectAsync(elevation.UserId, Service, $"Elevation to {elevation.Role} expired", cancellationToken);
            var claimed = await context.RoleElevations
                .Where(record => record.Id == elevation.Id && record.EndedAt == null)
                .ExecuteUpdateAsync(update => update.SetProperty(record => record.EndedAt, now), cancellationToken);
            if (claimed == 0)
            {
                continue; // another replica recorded it
            }

            try
            {
                await trail.RecordAsync(
                    new SecurityEventRecorded
                    {
                        Header = trail.NewHeader(),
                        Kind = SecurityEventKind.ElevationExpired,
                        Actor = Service,
                        Outcome = AuditOutcome.Success,
                        TargetUserId = elevation.UserId,
                        Role = elevation.Role,
                        ValidUntil = elevation.ExpiresAt,
                    },
                    cancellationToken);
            }
            catch
            {
                // Not recorded: give it back, so the next check (here or on another replica) does it again.
                await context.RoleElevations
                    .Where(record => record.Id == elevation.Id)
                    .ExecuteUpdateAsync(update => update.SetProperty(record => record.EndedAt, (DateTimeOffset?)null), CancellationToken.None);
                throw;
            }

            ended++;
        }

        return ended;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ending expired elevations failed ({Error}); retrying at the next check.")]
    private static partial void LogFailed(ILogger logger, string error);
}
