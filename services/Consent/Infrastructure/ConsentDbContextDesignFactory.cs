using HealthPlatform.ServiceDefaults.Data;

namespace HealthPlatform.Consent.Infrastructure;

/// <summary>For <c>dotnet ef</c>: builds the model without starting the service.</summary>
internal sealed class ConsentDbContextDesignFactory : DesignTimeDbContextFactory<ConsentDbContext>;
