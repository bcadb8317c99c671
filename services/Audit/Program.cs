using HealthPlatform.Audit.Extensions;
using HealthPlatform.Audit.Infrastructure;
using HealthPlatform.ServiceDefaults;

// Kubernetes: an init container runs the same image with --migrate-only and the owner's credentials.
if (args.Contains(MigrateOnly.Argument))
{
    return await MigrateOnly.RunAsync([.. args.Where(arg => arg != MigrateOnly.Argument)]);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddAuditServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapAuditEndpoints();

await app.RunAsync();
return 0;
