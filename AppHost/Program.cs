using HealthPlatform.AppHost.Extensions;
using HealthPlatform.AppHost.RunModes;
using HealthPlatform.ServiceDefaults;

var builder = DistributedApplication.CreateBuilder(args);

// Infrastructure: containers when a runtime really answers, else local processes (ADR-001).
var mode = await new RunModeSelector(ContainerRuntimeProbe.Default(TimeSpan.FromSeconds(5)))
    .SelectAsync(builder.Configuration[RunModeSelector.SettingKey], CancellationToken.None);
Console.WriteLine($"HealthPlatform: infrastructure run mode '{mode}' (setting {RunModeSelector.SettingKey}).");
var infrastructure = mode == RunMode.Containers
    ? builder.AddContainerInfrastructure()
    : builder.AddLocalInfrastructure();

var identityDb = infrastructure.AddServiceDatabase(ResourceNames.IdentityDatabase);
var consentDb = infrastructure.AddServiceDatabase(ResourceNames.ConsentDatabase);
var recordsDb = infrastructure.AddServiceDatabase(ResourceNames.RecordsDatabase);
var keyManagementDb = infrastructure.AddServiceDatabase(ResourceNames.KeyManagementDatabase);
var auditDb = infrastructure.AddServiceDatabase(ResourceNames.AuditDatabase);

// Services.
builder.AddPlatformService<Projects.HealthPlatform_Identity>(ResourceNames.Identity, new ServicePorts(Public: 5001, Internal: 6001, Management: 7001))
    .WithInfrastructure(identityDb, infrastructure);

builder.AddPlatformService<Projects.HealthPlatform_Records>(ResourceNames.Records, new ServicePorts(Public: 5002, Internal: 6002, Management: 7002))
    .WithInfrastructure(recordsDb, infrastructure);

builder.AddPlatformService<Projects.HealthPlatform_Consent>(ResourceNames.Consent, new ServicePorts(Public: 5003, Internal: 6003, Management: 7003))
    .WithInfrastructure(consentDb, infrastructure);

builder.AddPlatformService<Projects.HealthPlatform_KeyManagement>(ResourceNames.KeyManagement, new ServicePorts(Public: null, Internal: 6004, Management: 7004))
    .WithInfrastructure(keyManagementDb, infrastructure);

builder.AddPlatformService<Projects.HealthPlatform_Audit>(ResourceNames.Audit, new ServicePorts(Public: 5005, Internal: 6005, Management: 7005))
    .WithInfrastructure(auditDb, infrastructure);

await builder.Build().RunAsync();
