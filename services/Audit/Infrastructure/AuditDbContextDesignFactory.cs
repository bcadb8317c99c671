using HealthPlatform.ServiceDefaults.Data;

namespace HealthPlatform.Audit.Infrastructure;

/// <summary>For <c>dotnet ef</c>: builds the model without starting the service.</summary>
internal sealed class AuditDbContextDesignFactory : DesignTimeDbContextFactory<AuditDbContext>;
