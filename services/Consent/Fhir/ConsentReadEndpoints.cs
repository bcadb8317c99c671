using System.Globalization;
using HealthPlatform.Consent.Access;
using HealthPlatform.Consent.Store;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using HealthPlatform.ServiceDefaults.Fhir;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace HealthPlatform.Consent.Fhir;

/// <summary>
/// Reading consents: by id, by version, a consent's history, and search by patient. A consent is
/// PHI, so every read is audited (<see cref="PatientDataAccessed"/>) before its answer leaves; if
/// that cannot be done the answer is a 503 and no consent. What a caller may not reach is "not
/// found"; a search for another patient's consents is refused.
/// </summary>
public static class ConsentReadEndpoints
{
    private static readonly HashSet<string> SearchParameters = new(StringComparer.Ordinal) { "patient", "status", "_format" };

    public static IEndpointRouteBuilder MapConsentReads(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/fhir/Consent/{id}", ReadAsync)
            .RequireSmartScope("Consent", SmartPermissions.Read)
            .WithName("ReadConsent")
            .WithSummary("The current version of a consent.");
        endpoints.MapGet("/fhir/Consent/{id}/_history/{version}", ReadVersionAsync)
            .RequireSmartScope("Consent", SmartPermissions.Read)
            .WithName("ReadConsentVersion")
            .WithSummary("One version of a consent.");
        endpoints.MapGet("/fhir/Consent/{id}/_history", HistoryAsync)
            .RequireSmartScope("Consent", SmartPermissions.Read)
            .WithName("ConsentHistory")
            .WithSummary("Every version of a consent, newest first (a history Bundle).");
        endpoints.MapGet("/fhir/Consent", SearchAsync)
            .RequireSmartScope("Consent", SmartPermissions.Search)
            .WithName("SearchConsents")
            .WithSummary("A patient's consents (patient=, optional status=), a searchset Bundle.");
        return endpoints;
    }

    private static Task<IResult> ReadAsync(HttpContext context, string id, ConsentStore store, IAuditTrail trail) =>
        ReadOneAsync(context, id, version: null, store, trail);

    private static async Task<IResult> ReadVersionAsync(HttpContext context, string id, string version, ConsentStore store, IAuditTrail trail) =>
        int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? await ReadOneAsync(context, id, number, store, trail)
            : OperationOutcomes.InvalidParameter("version", "A version is a positive whole number.");

    private static async Task<IResult> ReadOneAsync(HttpContext context, string id, int? version, ConsentStore store, IAuditTrail trail)
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

        var entry = await store.ReadAsync(stored, version, context.RequestAborted);
        if (entry is null)
        {
            return ConsentRequests.NotFound(id);
        }

        if (!await AuditedAsync(context, trail, caller, AuditAction.Read, entry.Stored.PatientId, [id]))
        {
            return ConsentRequests.Unaudited();
        }

        context.Response.Headers.ETag = ConsentEndpoints.ETag(entry.Stored.Version);
        return FhirFormat.Write(context, entry.Resource);
    }

    private static async Task<IResult> HistoryAsync(HttpContext context, string id, ConsentStore store, IAuditTrail trail)
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

        var versions = await store.HistoryAsync(stored, context.RequestAborted);
        return await AuditedAsync(context, trail, caller, AuditAction.Read, stored.PatientId, [id])
            ? FhirFormat.Write(context, Bundle(Hl7.Fhir.Model.Bundle.BundleType.History, versions))
            : ConsentRequests.Unaudited();
    }

    private static async Task<IResult> SearchAsync(HttpContext context, ConsentStore store, IAuditTrail trail)
    {
        if (ConsentRequests.Caller(context) is not { } caller)
        {
            return ConsentRequests.Forbidden();
        }

        if (context.Request.Query.Keys.FirstOrDefault(key => !SearchParameters.Contains(key)) is { } unknown)
        {
            return OperationOutcomes.InvalidParameter(unknown, "Consents are searched by patient (and status).");
        }

        var patient = context.Request.Query["patient"].ToString();
        patient = patient.StartsWith("Patient/", StringComparison.Ordinal) ? patient["Patient/".Length..] : patient;
        if (patient.Length == 0)
        {
            patient = caller.OnlyPatient ?? string.Empty;
        }

        if (!AuditEventSchema.IsFhirId(patient))
        {
            return OperationOutcomes.InvalidParameter("patient", "Search by patient: patient={id} or patient=Patient/{id}.");
        }

        if (!caller.MayReach(patient))
        {
            return ConsentRequests.Forbidden();
        }

        var status = context.Request.Query["status"].ToString();
        if (status.Length > 0 && EnumUtility.ParseLiteral<Hl7.Fhir.Model.Consent.ConsentState>(status) is null)
        {
            return OperationOutcomes.InvalidParameter("status", "Status is one of draft, proposed, active, rejected, inactive, entered-in-error.");
        }

        var found = await store.SearchAsync(patient, status.Length > 0 ? status : null, context.RequestAborted);
        return await AuditedAsync(context, trail, caller, AuditAction.Search, patient, [.. found.Select(entry => entry.Stored.ConsentId)])
            ? FhirFormat.Write(context, Bundle(Hl7.Fhir.Model.Bundle.BundleType.Searchset, found))
            : ConsentRequests.Unaudited();
    }

    private static Bundle Bundle(Bundle.BundleType type, IReadOnlyList<ConsentEntry> entries) => new()
    {
        Type = type,
        Total = type == Hl7.Fhir.Model.Bundle.BundleType.Searchset ? entries.Count : null,
        Entry = [.. entries.Select(entry => new Bundle.EntryComponent
        {
            FullUrl = string.Create(CultureInfo.InvariantCulture, $"Consent/{entry.Stored.ConsentId}/_history/{entry.Stored.Version}"),
            Resource = entry.Resource,
            Search = type == Hl7.Fhir.Model.Bundle.BundleType.Searchset ? new Bundle.SearchComponent { Mode = Hl7.Fhir.Model.Bundle.SearchEntryMode.Match } : null,
        })],
    };

    private static Task<bool> AuditedAsync(HttpContext context, IAuditTrail trail, ConsentCaller caller, AuditAction action, string patientId, IReadOnlyList<string> consentIds) =>
        ConsentRequests.RecordReadAsync(context, trail, caller.Author.Actor, action, patientId, consentIds);
}
