using System.Threading.RateLimiting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RedisRateLimiting;
using StackExchange.Redis;

namespace HealthPlatform.ServiceDefaults.RateLimiting;

/// <summary>
/// Fixed-window limits counted in Redis, so that every replica of a service draws on one
/// allowance per caller. When Redis cannot be reached, each replica falls back to counting on
/// its own at a fraction of the limit (ADR-004), logs that once, and returns to the shared count
/// as soon as Redis answers again.
/// </summary>
public sealed partial class PlatformRateLimiter : IAsyncDisposable
{
    private readonly Dictionary<string, PartitionedRateLimiter<string>> _shared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PartitionedRateLimiter<string>> _local = new(StringComparer.Ordinal);
    private readonly ILogger<PlatformRateLimiter> _logger;
    private int _fallingBack;

    public PlatformRateLimiter(IOptions<RateLimitingOptions> options, IConnectionMultiplexer redis, IHostEnvironment environment, ILogger<PlatformRateLimiter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        _logger = logger;
        var fraction = options.Value.FallbackFraction;
        foreach (var (name, policy) in options.Value.Policies)
        {
            // One key space per service and policy: all replicas of the service share it.
            var prefix = $"healthplatform:{environment.ApplicationName}:{name}:";
            _shared[name] = PartitionedRateLimiter.Create<string, string>(partition => RedisRateLimitPartition.GetFixedWindowRateLimiter(
                prefix + partition,
                _ => new RedisFixedWindowRateLimiterOptions
                {
                    ConnectionMultiplexerFactory = () => redis,
                    PermitLimit = policy.PermitLimit,
                    Window = policy.Window,
                }));
            _local[name] = PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetFixedWindowLimiter(
                partition,
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = Math.Max(1, (int)(policy.PermitLimit * fraction)),
                    Window = policy.Window,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
        }
    }

    public async ValueTask<RateLimitDecision> AcquireAsync(string policy, string partition, int cost, CancellationToken cancellationToken)
    {
        if (!_shared.TryGetValue(policy, out var shared))
        {
            throw new InvalidOperationException($"No rate-limit policy '{policy}' (setting {RateLimitingOptions.SectionName}:Policies:{policy}).");
        }

        try
        {
            using var lease = await shared.AcquireAsync(partition, cost, cancellationToken);
            if (Interlocked.Exchange(ref _fallingBack, 0) == 1)
            {
                LogSharedAgain(_logger);
            }

            return Decide(lease);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            if (Interlocked.Exchange(ref _fallingBack, 1) == 0)
            {
                LogFallingBack(_logger, ex.GetType().Name);
            }

            using var lease = await _local[policy].AcquireAsync(partition, cost, cancellationToken);
            return Decide(lease);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var limiter in _shared.Values.Concat(_local.Values))
        {
            await limiter.DisposeAsync();
        }
    }

    private static RateLimitDecision Decide(RateLimitLease lease) =>
        new(lease.IsAcquired, lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : null);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis unreachable for rate limiting ({Error}): each replica now limits on its own at a reduced limit")]
    private static partial void LogFallingBack(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis reachable again: rate limits are shared across replicas again")]
    private static partial void LogSharedAgain(ILogger logger);
}
