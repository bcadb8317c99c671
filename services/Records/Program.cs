using HealthPlatform.Records.Extensions;
using HealthPlatform.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddRecordsServices();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
