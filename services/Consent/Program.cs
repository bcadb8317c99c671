using HealthPlatform.Consent.Extensions;
using HealthPlatform.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddConsentServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapConsentEndpoints();

await app.RunAsync();
