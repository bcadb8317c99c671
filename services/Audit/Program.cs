using HealthPlatform.Audit.Extensions;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Data;

// Kubernetes: an init container runs the same image with --migrate-only and the owner's credentials.
if (MigrateOnly.IsRequested(args))
{
    return await MigrateOnly.CreateBuilder(args).RunAuditMigrationsAsync();
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddAuditServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapAuditEndpoints();

await app.RunAsync();
return 0;
