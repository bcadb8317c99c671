using HealthPlatform.ServiceDefaults.Data;

namespace HealthPlatform.Identity.Infrastructure;

/// <summary>For <c>dotnet ef</c>: builds the model without starting the service.</summary>
internal sealed class IdentityDbContextDesignFactory : DesignTimeDbContextFactory<IdentityDbContext>;
