using HealthPlatform.ServiceDefaults.Data;

namespace HealthPlatform.Records.Infrastructure;

/// <summary>For <c>dotnet ef</c>: builds the model without starting the service.</summary>
internal sealed class RecordsDbContextDesignFactory : DesignTimeDbContextFactory<RecordsDbContext>;
