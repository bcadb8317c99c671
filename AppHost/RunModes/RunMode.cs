namespace HealthPlatform.AppHost.RunModes;

/// <summary>How the AppHost provides Postgres, Redis and RabbitMQ.</summary>
public enum RunMode
{
    /// <summary>Servers from the operating system's packages, started as local processes.</summary>
    Local,

    /// <summary>Aspire's container integrations (needs a container runtime that answers).</summary>
    Containers,
}
