using HealthPlatform.Audit.Extensions;
using HealthPlatform.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddAuditServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapAuditEndpoints();

app.Run();
