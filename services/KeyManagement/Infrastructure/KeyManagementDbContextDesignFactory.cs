using HealthPlatform.ServiceDefaults.Data;

namespace HealthPlatform.KeyManagement.Infrastructure;

/// <summary>For <c>dotnet ef</c>: builds the model without starting the service.</summary>
internal sealed class KeyManagementDbContextDesignFactory : DesignTimeDbContextFactory<KeyManagementDbContext>;
