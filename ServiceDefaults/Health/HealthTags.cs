namespace HealthPlatform.ServiceDefaults.Health;

/// <summary>Tags that place a health check in the readiness or liveness report.</summary>
public static class HealthTags
{
    /// <summary>A dependency the service needs to serve traffic (database, Redis, RabbitMQ).</summary>
    public const string Ready = "ready";

    /// <summary>The process itself is responsive; failing this restarts the pod.</summary>
    public const string Live = "live";
}
