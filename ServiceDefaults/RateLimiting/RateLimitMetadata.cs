namespace HealthPlatform.ServiceDefaults.RateLimiting;

/// <summary>Endpoint metadata: the route's rate-limit policy and how many permits one call costs.</summary>
public sealed record RateLimitMetadata(string Policy, int Cost);
