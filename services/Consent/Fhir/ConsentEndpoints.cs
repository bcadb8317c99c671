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

        var current = await store.ReadAsync(stored, version: null, context.RequestAborted);
        return caller.MayWrite(RulesOf(current!))
            ? await WriteVersionAsync(context, store, stored, consent, caller.Author)
            : ConsentRequests.NamesWriter();
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
            context.Response.Headers.ETag = ETag(stored.Version);
            return Results.Bytes(OperationOutcomes.Serialize("information", "informational", $"Consent {id} is already inactive (version {stored.Version})."), OperationOutcomes.FhirJson);
        }

        current.Resource.Status = FhirConsent.ConsentState.Inactive;
        return await WriteVersionAsync(context, store, stored, current.Resource, caller.Author);
    }

    private static async Task<IResult> WriteVersionAsync(HttpContext context, ConsentStore store, StoredConsent stored, FhirConsent consent, ConsentAuthor author)
    {
        if (context.Request.Headers.IfMatch.ToString() is { Length: > 0 } ifMatch && ifMatch != ETag(stored.Version))
        {
            return OperationOutcomes.Error(StatusCodes.Status412PreconditionFailed, "conflict", $"The consent is at version {stored.Version}; read it again before changing it.");
        }

        var written = await store.UpdateAsync(stored, consent, author, context.RequestAborted);
        return written is null
            ? OperationOutcomes.Error(StatusCodes.Status409Conflict, "conflict", "Someone else changed the consent at the same time; read it again before changing it.")
            : Written(context, written, StatusCodes.Status200OK);
    }

    private static IResult Written(HttpContext context, ConsentEntry entry, int status)
    {
        var response = context.Response;
        response.Headers.ETag = ETag(entry.Stored.Version);
        response.Headers.LastModified = entry.Stored.RecordedAt.ToString("R", CultureInfo.InvariantCulture);
        response.Headers.Location = string.Create(CultureInfo.InvariantCulture, $"/fhir/Consent/{entry.Stored.ConsentId}/_history/{entry.Stored.Version}");
        return FhirFormat.Write(context, entry.Resource, status);
    }

    /// <summary>What the stored consent says, for the writer check; a version that no longer reads names nobody.</summary>
    private static ConsentRules? RulesOf(ConsentEntry entry)
    {
        ConsentReader.Read(entry.Resource, entry.Stored.ConsentId, entry.Stored.Version, out var rules);
        return rules;
    }

    public static string ETag(int version) => string.Create(CultureInfo.InvariantCulture, $"W/\"{version}\"");
}
