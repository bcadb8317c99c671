using HealthPlatform.Identity.Extensions;
using HealthPlatform.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddIdentityServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapIdentityEndpoints();

app.Run();
