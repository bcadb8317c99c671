namespace HealthPlatform.ServiceDefaults.RateLimiting;

/// <summary>The limiter's answer: allowed or not, and when to retry.</summary>
public sealed record RateLimitDecision(bool Allowed, TimeSpan? RetryAfter);
