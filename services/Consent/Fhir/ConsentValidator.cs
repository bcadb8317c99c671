using Firely.Fhir.Validation;
using HealthPlatform.Consent.Domain;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;
using FhirConsent = Hl7.Fhir.Model.Consent;

namespace HealthPlatform.Consent.Fhir;

/// <summary>
/// Validates a consent against FHIR R4 with the Firely validator — structure, cardinality,
/// required bindings (status, provision type), invariants (a period ends after it starts; a
/// policy or policy rule) — offline, from the specification package; then against the platform's
/// own rules (<see cref="ConsentReader"/>). The validator is built once per process: its first
/// validation loads the specification (seconds), so <see cref="Warm"/> runs it at start-up and
/// the service is not ready until it has.
/// </summary>
public sealed class ConsentValidator
{
    private static readonly Lazy<Validator> Shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    public bool Warmed { get; private set; }

    public IReadOnlyList<ConsentProblem> Validate(FhirConsent consent)
    {
        ArgumentNullException.ThrowIfNull(consent);
        var outcome = Shared.Value.Validate(consent);
        var problems = outcome.Issue
            .Where(issue => issue.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
            .Select(issue => new ConsentProblem(string.Join(", ", issue.Expression.DefaultIfEmpty("Consent")), issue.Details?.Text ?? issue.Diagnostics ?? "Invalid."))
            .ToList();
        problems.AddRange(ConsentReader.Check(consent));
        return problems;
    }

    /// <summary>Validates a sample consent so that the first real one is not kept waiting for the specification to load.</summary>
    public void Warm()
    {
        Validate(ConsentSamples.Sample("warm-up"));
        Warmed = true;
    }

    private static Validator Create()
    {
        var resolver = new CachedResolver(ZipSource.CreateValidationSource());
        return new Validator(resolver, LocalTerminologyService.CreateDefaultForCore(resolver));
    }
}
