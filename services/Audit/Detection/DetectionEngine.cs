using HealthPlatform.Audit.Ledger;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Authorization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace HealthPlatform.Audit.Detection;

/// <summary>
/// The detection rules over newly stored entries, counted in Redis so that every replica — and
/// the next one after a restart — counts in the same windows. Threshold rules fire once per actor
/// and window, when an atomic increment carries the count over the threshold; per-event rules
/// (off-hours, revoked token) fire once per actor and window, break-the-glass on every use.
/// Windows are fixed (aligned to the epoch) and placed by when the event happened.
/// </summary>
public sealed class DetectionEngine(IConnectionMultiplexer redis, IOptions<DetectionOptions> options, TimeProvider time)
{
    /// <summary>How many event ids an alert keeps as its evidence (the first ones in the window).</summary>
    public const int MaxRelatedEvents = 20;

    private const string AddDistinct = """
        local added = redis.call('SADD', KEYS[1], ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return { added, redis.call('SCARD', KEYS[1]) }
        """;

    private static readonly HashSet<SecurityEventKind> Denials =
        [SecurityEventKind.RequestUnauthenticated, SecurityEventKind.RequestForbidden, SecurityEventKind.RequestRateLimited, SecurityEventKind.TokenRefused];

    public async Task<List<Alert>> EvaluateAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var settings = options.Value;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(settings.TimeZone);
        var redisDb = redis.GetDatabase();
        var alerts = new List<Alert>();
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (LedgerEntries.EventOf(entry))
            {
                case PatientDataAccessed access:
                    await AccessAsync(redisDb, settings, zone, access, alerts);
                    break;
                case AuthorizationDecided { Decision: AuthorizationDecision.Deny } decision:
                    await DenialAsync(redisDb, settings, decision.Actor, decision.Header, alerts);
                    break;
                case SecurityEventRecorded security:
                    if (security is { Kind: SecurityEventKind.TokenRefused, Reason: SecurityEventReasons.RevokedToken } && settings.RevokedTokenUse.Enabled
                        && Key(security.Actor) is { } holder
                        && await FirstInWindowAsync(redisDb, settings, AlertRule.RevokedTokenUse, holder, settings.RevokedTokenUse, security.Header.OccurredAt) is { } revokedWindow)
                    {
                        alerts.Add(Raise(AlertRule.RevokedTokenUse, settings.RevokedTokenUse, security.Actor, 1, revokedWindow, [security.Header.EventId]));
                    }

                    if (Denials.Contains(security.Kind))
                    {
                        await DenialAsync(redisDb, settings, security.Actor, security.Header, alerts);
                    }

                    break;
            }
        }

        return alerts;
    }

    private async Task AccessAsync(IDatabase redisDb, DetectionOptions settings, TimeZoneInfo zone, PatientDataAccessed access, List<Alert> alerts)
    {
        var actor = Key(access.Actor);
        var eventId = access.Header.EventId;
        if (access.BreakTheGlass && settings.BreakTheGlassUsed.Enabled)
        {
            alerts.Add(Raise(AlertRule.BreakTheGlassUsed, settings.BreakTheGlassUsed, access.Actor, 1, (access.Header.OccurredAt, access.Header.OccurredAt), [eventId]));
        }

        if (access.Outcome == AuditOutcome.Denied)
        {
            await DenialAsync(redisDb, settings, access.Actor, access.Header, alerts);
            return;
        }

        // A security officer reading the audit log of a patient is doing their job, not reading records.
        if (access.Outcome != AuditOutcome.Success || actor is null || access.ResourceType == "AuditEvent")
        {
            return;
        }

        if (access.Action is AuditAction.Read or AuditAction.Search && settings.HighVolume.Enabled)
        {
            var records = Math.Max(1, access.ResourceIds.Count);
            await CountAsync(redisDb, settings, AlertRule.HighVolume, settings.HighVolume, access.Actor, actor, records, access.Header, alerts);
        }

        if (settings.ManyDistinctPatients.Enabled)
        {
            var window = WindowOf(access.Header.OccurredAt, settings.ManyDistinctPatients.Window);
            var key = $"{settings.KeyPrefix}:{AlertRule.ManyDistinctPatients}:{actor}:{window.Start.ToUnixTimeSeconds()}";
            var result = (RedisResult[])(await redisDb.ScriptEvaluateAsync(AddDistinct, [key], [access.PatientId, (long)(settings.ManyDistinctPatients.Window.TotalMilliseconds * 2)]))!;
            var (added, distinct) = ((long)result[0], (long)result[1]);
            Remember(redisDb, key, eventId, settings.ManyDistinctPatients.Window);
            if (added == 1 && distinct == settings.ManyDistinctPatients.Threshold + 1)
            {
                alerts.Add(Raise(AlertRule.ManyDistinctPatients, settings.ManyDistinctPatients, access.Actor, (int)distinct, window, await EvidenceAsync(redisDb, key)));
            }
        }

        if (settings.OffHoursAccess.Enabled && IsWorkforce(access.Actor) && OutsideWorkingHours(settings, zone, access.Header.OccurredAt)
            && await FirstInWindowAsync(redisDb, settings, AlertRule.OffHoursAccess, actor, settings.OffHoursAccess, access.Header.OccurredAt) is { } offHoursWindow)
        {
            alerts.Add(Raise(AlertRule.OffHoursAccess, settings.OffHoursAccess, access.Actor, 1, offHoursWindow, [eventId]));
        }
    }

    private async Task DenialAsync(IDatabase redisDb, DetectionOptions settings, AuditActor actor, AuditHeader header, List<Alert> alerts)
    {
        // "From one client or address": the client when known, else where the requests came from.
        var source = actor.ClientId is not null ? $"c:{actor.ClientId}" : actor.NetworkAddress is not null ? $"a:{actor.NetworkAddress}" : null;
        if (settings.DenialSpike.Enabled && source is not null)
        {
            await CountAsync(redisDb, settings, AlertRule.DenialSpike, settings.DenialSpike, actor, source, 1, header, alerts);
        }
    }

    /// <summary>Adds <paramref name="amount"/> to the actor's count in the window; raises the alert when this addition crosses the threshold.</summary>
    private async Task CountAsync(
        IDatabase redisDb, DetectionOptions settings, AlertRule rule, RuleOptions ruleOptions, AuditActor actor, string actorKey, int amount, AuditHeader header, List<Alert> alerts)
    {
        var window = WindowOf(header.OccurredAt, ruleOptions.Window);
        var key = $"{settings.KeyPrefix}:{rule}:{actorKey}:{window.Start.ToUnixTimeSeconds()}";
        var after = await redisDb.StringIncrementAsync(key, amount);
        _ = redisDb.KeyExpireAsync(key, ruleOptions.Window * 2, flags: CommandFlags.FireAndForget);
        Remember(redisDb, key, header.EventId, ruleOptions.Window);
        if (after - amount <= ruleOptions.Threshold && after > ruleOptions.Threshold)
        {
            alerts.Add(Raise(rule, ruleOptions, actor, (int)Math.Min(after, int.MaxValue), window, await EvidenceAsync(redisDb, key)));
        }
    }

    /// <summary>
    /// Keeps the first event ids of a window as evidence (push, then trim to the first ones). Sent
    /// without waiting: commands on one connection run in order, so a later read sees them.
    /// </summary>
    private static void Remember(IDatabase redisDb, string key, Guid eventId, TimeSpan window)
    {
        var list = key + ":events";
        _ = redisDb.ListRightPushAsync(list, eventId.ToString(), flags: CommandFlags.FireAndForget);
        _ = redisDb.ListTrimAsync(list, 0, MaxRelatedEvents - 1, CommandFlags.FireAndForget);
        _ = redisDb.KeyExpireAsync(list, window * 2, flags: CommandFlags.FireAndForget);
    }

    private static async Task<Guid[]> EvidenceAsync(IDatabase redisDb, string key) =>
        [.. (await redisDb.ListRangeAsync(key + ":events", 0, MaxRelatedEvents - 1)).Select(value => Guid.Parse(value.ToString()))];

    /// <summary>The window, when this is the actor's first such event in it (SET NX); null when an alert already stands.</summary>
    private static async Task<(DateTimeOffset Start, DateTimeOffset End)?> FirstInWindowAsync(
        IDatabase redisDb, DetectionOptions settings, AlertRule rule, string actorKey, RuleOptions ruleOptions, DateTimeOffset occurredAt)
    {
        var window = WindowOf(occurredAt, ruleOptions.Window);
        var key = $"{settings.KeyPrefix}:{rule}:{actorKey}:{window.Start.ToUnixTimeSeconds()}";
        return await redisDb.StringSetAsync(key, 1, ruleOptions.Window * 2, When.NotExists) ? window : null;
    }

    private static bool OutsideWorkingHours(DetectionOptions settings, TimeZoneInfo zone, DateTimeOffset occurredAt)
    {
        var local = TimeZoneInfo.ConvertTime(occurredAt, zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        return !settings.EffectiveWorkDays.Contains(local.DayOfWeek) || time < settings.WorkStart || time >= settings.WorkEnd;
    }

    /// <summary>
    /// Staff, not patients and not jobs: working hours mean nothing to a patient at home or to a
    /// client-credentials job (whose subject is the client itself).
    /// </summary>
    private static bool IsWorkforce(AuditActor actor) =>
        actor.UserId is not null && actor.UserId != actor.ClientId && !actor.Roles.Contains(PlatformRoles.Patient, StringComparer.Ordinal);

    private static (DateTimeOffset Start, DateTimeOffset End) WindowOf(DateTimeOffset occurredAt, TimeSpan window)
    {
        var ticks = occurredAt.UtcTicks - (occurredAt.UtcTicks % window.Ticks);
        var start = new DateTimeOffset(ticks, TimeSpan.Zero);
        return (start, start + window);
    }

    private static string? Key(AuditActor actor) =>
        actor.UserId is not null ? $"u:{actor.UserId}" : actor.ClientId is not null ? $"c:{actor.ClientId}" : null;

    private Alert Raise(AlertRule rule, RuleOptions ruleOptions, AuditActor actor, int count, (DateTimeOffset Start, DateTimeOffset End) window, Guid[] evidence) => new()
    {
        Id = Guid.CreateVersion7(time.GetUtcNow()),
        Rule = rule,
        Severity = ruleOptions.Severity,
        ActorUserId = actor.UserId,
        ActorClientId = actor.ClientId,
        ActorNetworkAddress = actor.NetworkAddress,
        ObservedCount = count,
        WindowStart = LedgerEntry.ToStoredPrecision(window.Start),
        WindowEnd = LedgerEntry.ToStoredPrecision(window.End),
        RelatedEventIds = evidence,
        RaisedAt = LedgerEntry.ToStoredPrecision(time.GetUtcNow()),
    };
}
