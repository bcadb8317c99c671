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
// Consent runs as a role that can record consents but not rewrite or delete them (ADR-011).
var consentDb = infrastructure.AddServiceDatabase(ResourceNames.ConsentDatabase, withRuntimeRole: true);
var recordsDb = infrastructure.AddServiceDatabase(ResourceNames.RecordsDatabase);
var keyManagementDb = infrastructure.AddServiceDatabase(ResourceNames.KeyManagementDatabase);
// Audit runs as a role that can read and append its log but never change it (ADR-010).
var auditDb = infrastructure.AddServiceDatabase(ResourceNames.AuditDatabase, withRuntimeRole: true);

// Services, each with its own certificate (spiffe://healthplatform/{name}) for mTLS.
var pki = builder.AddDevelopmentPki(
    [ResourceNames.Identity, ResourceNames.Records, ResourceNames.Consent, ResourceNames.KeyManagement, ResourceNames.Audit]);

var identity = builder.AddPlatformService<Projects.HealthPlatform_Identity>(ResourceNames.Identity, new ServicePorts(Public: 5001, Internal: 6001, Management: 7001), pki)
    .WithInfrastructure(identityDb, infrastructure)
    .WithAuthorizationServer(pki);

var records = builder.AddPlatformService<Projects.HealthPlatform_Records>(ResourceNames.Records, new ServicePorts(Public: 5002, Internal: 6002, Management: 7002), pki)
    .WithInfrastructure(recordsDb, infrastructure);

var consent = builder.AddPlatformService<Projects.HealthPlatform_Consent>(ResourceNames.Consent, new ServicePorts(Public: 5003, Internal: 6003, Management: 7003), pki)
    .WithInfrastructure(consentDb, infrastructure)
    .WithTokenValidation(identity);

var keyManagement = builder.AddPlatformService<Projects.HealthPlatform_KeyManagement>(ResourceNames.KeyManagement, new ServicePorts(Public: null, Internal: 6004, Management: 7004), pki)
    .WithInfrastructure(keyManagementDb, infrastructure)
    .WithDevelopmentRootKey(pki)
    .WithTokenValidation(identity);

var audit = builder.AddPlatformService<Projects.HealthPlatform_Audit>(ResourceNames.Audit, new ServicePorts(Public: 5005, Internal: 6005, Management: 7005), pki)
    .WithInfrastructure(auditDb, infrastructure)
    .WithTokenValidation(identity);

// The FHIR bases a SMART app may name as `aud` when it asks the identity service for a token.
identity.WithFhirBases(records, consent, audit);

// Who calls whom over mTLS (service discovery of the internal endpoints).
records.WithReference(consent).WithReference(keyManagement);
consent.WithReference(keyManagement);
audit.WithReference(keyManagement);

await builder.Build().RunAsync();
