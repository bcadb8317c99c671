using HealthPlatform.Consent.Extensions;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Data;

// Kubernetes: an init container runs the same image with --migrate-only and the owner's credentials.
if (MigrateOnly.IsRequested(args))
{
    return await MigrateOnly.CreateBuilder(args).RunConsentMigrationsAsync();
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddConsentServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapConsentEndpoints();

await app.RunAsync();
return 0;
