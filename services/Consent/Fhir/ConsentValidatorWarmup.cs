using HealthPlatform.ServiceDefaults.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthPlatform.Consent.Fhir;

/// <summary>Loads the FHIR specification into the validator at start-up, off the request path.</summary>
internal sealed class ConsentValidatorWarmup(ConsentValidator validator) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(validator.Warm, stoppingToken);
}

/// <summary>Not ready until the validator has loaded the specification: the first consent written must not wait seconds for it.</summary>
internal sealed class ConsentValidatorHealthCheck(ConsentValidator validator) : IHealthCheck
{
    public const string Name = "fhir-validator";

    public static readonly string[] Tags = [HealthTags.Ready];

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(validator.Warmed
            ? HealthCheckResult.Healthy("The FHIR R4 specification is loaded.")
            : HealthCheckResult.Unhealthy("Loading the FHIR R4 specification for validation."));
}
