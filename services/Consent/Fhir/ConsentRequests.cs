using HealthPlatform.Consent.Access;
using HealthPlatform.Consent.Domain;
using HealthPlatform.ServiceDefaults.Fhir;
using Microsoft.Extensions.Options;
using FhirConsent = Hl7.Fhir.Model.Consent;

namespace HealthPlatform.Consent.Fhir;

/// <summary>What every Consent route does first: who is calling, and — for writes — a body that is a valid consent for a patient they may reach.</summary>
public static class ConsentRequests
{
    public static IResult Forbidden() =>
        OperationOutcomes.Error(StatusCodes.Status403Forbidden, "forbidden",
            "Consents are managed by the patient (their own, with a patient/Consent scope) and by staff in a recording role with a Consent scope.");

    public static IResult NotFound(string id) =>
        OperationOutcomes.Error(StatusCodes.Status404NotFound, "not-found", $"No Consent {id} that this caller may see.");

    public static ConsentCaller? Caller(HttpContext context) =>
        ConsentCaller.Of(context, context.RequestServices.GetRequiredService<IOptions<ConsentPolicyOptions>>().Value);

    /// <summary>The consent in the body, validated (FHIR, then the platform's rules) and within the caller's reach; or the error answer. Nothing is stored on an error.</summary>
    public static async Task<(FhirConsent? Consent, string? PatientId, IResult? Error)> ReadValidAsync(HttpContext context, ConsentCaller caller, ConsentValidator validator)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(validator);
        var (resource, error) = await FhirFormat.ReadAsync(context.Request);
        if (error is not null)
        {
            return (null, null, error);
        }

        if (resource is not FhirConsent consent)
        {
            return (null, null, OperationOutcomes.Error(StatusCodes.Status400BadRequest, "invalid", $"Expected a Consent, got a {resource!.TypeName}.", "resourceType"));
        }

        var problems = validator.Validate(consent);
        if (problems.Count > 0)
        {
            return (null, null, Unprocessable(context, problems));
        }

        var patientId = ConsentReader.PatientIdOf(consent)!;
        return caller.MayReach(patientId) ? (consent, patientId, null) : (null, null, Forbidden());
    }

    private static IResult Unprocessable(HttpContext context, IReadOnlyList<ConsentProblem> problems)
    {
        var outcome = new Hl7.Fhir.Model.OperationOutcome
        {
            Issue = [.. problems.Select(problem => new Hl7.Fhir.Model.OperationOutcome.IssueComponent
            {
                Severity = Hl7.Fhir.Model.OperationOutcome.IssueSeverity.Error,
                Code = Hl7.Fhir.Model.OperationOutcome.IssueType.Invalid,
                Diagnostics = problem.Message,
                Expression = [problem.Expression],
            })],
        };
        return FhirFormat.Write(context, outcome, StatusCodes.Status422UnprocessableEntity);
    }
}
