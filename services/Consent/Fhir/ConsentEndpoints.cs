using System.Globalization;
using HealthPlatform.Consent.Domain;
using HealthPlatform.Consent.Store;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using HealthPlatform.ServiceDefaults.Fhir;
using FhirConsent = Hl7.Fhir.Model.Consent;

namespace HealthPlatform.Consent.Fhir;

/// <summary>
/// <c>/fhir/Consent</c>: create, update and revoke (each a new version, sealed under the patient's
/// key, audited as <c>ConsentChanged</c> and fanned out to every caller instance); reads, history
/// and search by patient are in <see cref="ConsentReadEndpoints"/>. Patients reach only their own
/// consents; staff in a recording role write on a patient's behalf. Every error is an
/// OperationOutcome, and a refused write stores nothing.
/// </summary>
public static class ConsentEndpoints
{
    public static IEndpointRouteBuilder MapConsents(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/fhir/Consent", CreateAsync)
            .RequireSmartScope("Consent", SmartPermissions.Create)
            .WithName("CreateConsent")
            .WithSummary("Records a consent (version 1).");
        endpoints.MapPut("/fhir/Consent/{id}", UpdateAsync)
            .RequireSmartScope("Consent", SmartPermissions.Update)
            .WithName("UpdateConsent")
            .WithSummary("A new version of a consent (If-Match: W/\"version\" to guard against lost updates).");
        endpoints.MapPost("/fhir/Consent/{id}/$revoke", RevokeAsync)
            .RequireSmartScope("Consent", SmartPermissions.Update)
            .WithName("RevokeConsent")
            .WithSummary("A new version of a consent with status inactive: it no longer decides anything.");
        endpoints.MapConsentReads();
        return endpoints;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ConsentStore store, ConsentValidator validator)
    {
        if (ConsentRequests.Caller(context) is not { } caller)
        {
            return ConsentRequests.Forbidden();
        }

        var (consent, patientId, error) = await ConsentRequests.ReadValidAsync(context, caller, validator);
        if (error is not null)
        {
            return error;
        }

        var created = await store.CreateAsync(consent!, patientId!, caller.Author, context.RequestAborted);
        return Written(context, created, StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, string id, ConsentStore store, ConsentValidator validator, IAuditTrail trail)
    {
        if (ConsentRequests.Caller(context) is not { } caller)
        {
            return ConsentRequests.Forbidden();
        }

        var (consent, patientId, error) = await ConsentRequests.ReadValidAsync(context, caller, validator);
        if (error is not null)
        {
            return error;
        }

        if (consent!.Id != id)
        {
            return OperationOutcomes.Error(StatusCodes.Status400BadRequest, "invalid", "The resource's id must be the id in the URL.", "Consent.id");
        }

        var (stored, missing) = await ConsentRequests.FindReachableAsync(context, store, trail, caller, id);
        if (stored is null)
        {
            return missing!;
        }

        if (stored.PatientId != patientId)
        {
            return OperationOutcomes.Error(StatusCodes.Status422UnprocessableEntity, "business-rule", "A consent stays with its patient: record a new consent instead.", "Consent.patient");
        }

        // Staff may not replace a consent that names them (a patient's own writes need no look at the old version).
        if (caller.Author.OnBehalfOfPatient && !caller.MayWrite(RulesOf((await store.ReadAsync(stored, version: null, context.RequestAborted))!)))
        {
            return ConsentRequests.NamesWriter();
        }

        var written = await WriteVersionAsync(context, store, stored, consent, caller.Author);
        return written.Entry is { } entry ? Written(context, entry, StatusCodes.Status200OK) : written.Error!;
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string id, ConsentStore store, IAuditTrail trail)
    {
        if (ConsentRequests.Caller(context) is not { } caller)
        {
            return ConsentRequests.Forbidden();
        }

        var (stored, missing) = await ConsentRequests.FindReachableAsync(context, store, trail, caller, id);
        if (stored is null)
        {
            return missing!;
        }

        var current = await store.ReadAsync(stored, version: null, context.RequestAborted);
        if (!caller.MayWrite(RulesOf(current!)))
        {
            return ConsentRequests.NamesWriter();
        }

        if (current!.Resource.Status == FhirConsent.ConsentState.Inactive)
        {
            // Nothing to do; and no consent in the answer, which a revoke scope does not entitle anyone to read.
            return Outcome(context, current, $"Consent {id} is already inactive (version {stored.Version}).");
        }

        current.Resource.Status = FhirConsent.ConsentState.Inactive;
        var written = await WriteVersionAsync(context, store, stored, current.Resource, caller.Author);
        if (written.Entry is not { } entry)
        {
            return written.Error!;
        }

        // The answer shows the consent only to a caller who may read it; a revoke scope alone gets the outcome.
        return caller.MayRead
            ? Written(context, entry, StatusCodes.Status200OK)
            : Outcome(context, entry, $"Consent {id} is revoked (version {entry.Stored.Version}).");
    }

    private static async Task<(ConsentEntry? Entry, IResult? Error)> WriteVersionAsync(HttpContext context, ConsentStore store, StoredConsent stored, FhirConsent consent, ConsentAuthor author)
    {
        if (context.Request.Headers.IfMatch.ToString() is { Length: > 0 } ifMatch && ifMatch != ETag(stored.Version))
        {
            return (null, OperationOutcomes.Error(StatusCodes.Status412PreconditionFailed, "conflict", $"The consent is at version {stored.Version}; read it again before changing it."));
        }

        var written = await store.UpdateAsync(stored, consent, author, context.RequestAborted);
        return written is null
            ? (null, OperationOutcomes.Error(StatusCodes.Status409Conflict, "conflict", "Someone else changed the consent at the same time; read it again before changing it."))
            : (written, null);
    }

    /// <summary>An informational OperationOutcome in place of the consent, with the version headers.</summary>
    private static IResult Outcome(HttpContext context, ConsentEntry entry, string message)
    {
        SetVersionHeaders(context, entry);
        return OperationOutcomes.Information(message);
    }

    private static IResult Written(HttpContext context, ConsentEntry entry, int status)
    {
        SetVersionHeaders(context, entry);
        return FhirFormat.Write(context, entry.Resource, status);
    }

    private static void SetVersionHeaders(HttpContext context, ConsentEntry entry)
    {
        var response = context.Response;
        response.Headers.ETag = ETag(entry.Stored.Version);
        response.Headers.LastModified = entry.Stored.RecordedAt.ToString("R", CultureInfo.InvariantCulture);
        response.Headers.Location = string.Create(CultureInfo.InvariantCulture, $"/fhir/Consent/{entry.Stored.ConsentId}/_history/{entry.Stored.Version}");
    }

    /// <summary>What the stored consent says, for the writer check; a version that no longer reads names nobody.</summary>
    private static ConsentRules? RulesOf(ConsentEntry entry)
    {
        ConsentReader.Read(entry.Resource, entry.Stored.ConsentId, entry.Stored.Version, out var rules);
        return rules;
    }

    public static string ETag(int version) => string.Create(CultureInfo.InvariantCulture, $"W/\"{version}\"");
}
