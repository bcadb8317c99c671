using HealthPlatform.KeyManagement.Extensions;
using HealthPlatform.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddKeyManagementServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapKeyManagementEndpoints();

app.Run();
