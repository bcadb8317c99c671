using HealthPlatform.Consent.Access;
using HealthPlatform.Consent.Domain;
using HealthPlatform.Consent.Store;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Authorization;
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

    public static IResult NamesWriter() =>
        OperationOutcomes.Error(StatusCodes.Status403Forbidden, "forbidden",
            "Staff may not record, change or revoke a consent that names them (as a practitioner, by their role or through their app); the patient or another member of staff may.");

    public static IResult Unaudited() =>
        OperationOutcomes.Error(StatusCodes.Status503ServiceUnavailable, "transient", "The request could not be audited, so it was not carried out. Try again shortly.");

    /// <summary>The consent <paramref name="id"/> if it exists and the caller may reach it; otherwise the answer (404, audited when the consent exists).</summary>
    public static async Task<(StoredConsent? Stored, IResult? Missing)> FindReachableAsync(HttpContext context, ConsentStore store, IAuditTrail trail, ConsentCaller caller, string id)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(caller);
        var stored = await store.FindAsync(id, context.RequestAborted);
        if (stored is null)
        {
            return (null, NotFound(id));
        }

        return caller.MayReach(stored.PatientId) ? (stored, null) : (null, await OutOfReachAsync(context, trail, caller, id, stored.PatientId));
    }

    /// <summary>
    /// A consent that exists but is out of the caller's reach: answered as "not found", so that its
    /// existence is not revealed, and audited as a refused attempt on its patient's data (a 404
    /// would otherwise leave no trace of someone probing other patients' consents).
    /// </summary>
    private static async Task<IResult> OutOfReachAsync(HttpContext context, IAuditTrail trail, ConsentCaller caller, string id, string patientId)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(trail);
        ArgumentNullException.ThrowIfNull(caller);
        try
        {
            await trail.RecordAsync(new AuthorizationDecided
            {
                Header = trail.NewHeader(),
                Actor = caller.Author.Actor,
                Decision = AuthorizationDecision.Deny,
                DecidingStep = DecisionStep.PatientContext,
                Reason = DecisionReason.OtherPatient,
                ResourceType = "Consent",
                PatientId = patientId,
            }, context.RequestAborted);
        }
        catch (AuditUnavailableException)
        {
            return Unaudited();
        }

        return NotFound(id);
    }

    /// <summary>
    /// Records that <paramref name="reader"/> saw the patient's consents and waits for the broker;
    /// false when it could not be recorded (then nothing may be returned). A patient reads for
    /// their own request, staff and officers for operations.
    /// </summary>
    public static async Task<bool> RecordReadAsync(HttpContext context, IAuditTrail trail, AuditActor reader, AuditAction action, string patientId, IReadOnlyList<string> consentIds)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(trail);
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            await trail.RecordAsync(new PatientDataAccessed
            {
                Header = trail.NewHeader(),
                Actor = reader,
                Action = action,
                ResourceType = "Consent",
                ResourceIds = consentIds,
                PatientId = patientId,
                Outcome = AuditOutcome.Success,
                PurposeOfUse = reader.Roles.Contains(PlatformRoles.Patient) ? PurposeOfUse.PatientRequest : PurposeOfUse.Operations,
            }, context.RequestAborted);
            return true;
        }
        catch (AuditUnavailableException)
        {
            return false;
        }
    }

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

        // Who it is for is checked before the costly validation, so a consent for another patient is refused cheaply.
        var patientId = ConsentReader.PatientIdOf(consent);
        if (patientId is not null && !caller.MayReach(patientId))
        {
            return (null, null, Forbidden());
        }

        var problems = validator.Validate(consent);
        if (problems.Count > 0)
        {
            return (null, null, Unprocessable(context, problems));
        }

        // A valid consent names its patient (ConsentReader's rule), so patientId is set here.
        ConsentReader.Read(consent, "-", 1, out var rules);
        return caller.MayWrite(rules) ? (consent, patientId!, null) : (null, null, NamesWriter());
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
