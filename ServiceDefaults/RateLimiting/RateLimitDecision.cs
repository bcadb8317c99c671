namespace HealthPlatform.ServiceDefaults.RateLimiting;

/// <summary>The limiter's answer: allowed or not, when to retry, and whether the shared (Redis) count decided.</summary>
public sealed record RateLimitDecision(bool Allowed, TimeSpan? RetryAfter, bool Shared);
