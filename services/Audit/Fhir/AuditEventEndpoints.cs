using System.Text.Json;
using HealthPlatform.Audit.Access;
using HealthPlatform.Audit.Infrastructure;
using HealthPlatform.Audit.Ledger;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using HealthPlatform.ServiceDefaults.Fhir;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Audit.Fhir;

/// <summary>
/// <c>GET /fhir/AuditEvent</c>: the audit log as FHIR R4 AuditEvents, newest first, in pages. A
/// security officer (second factor, <c>user/AuditEvent.rs</c>) may search everything; a patient
/// (<c>patient/AuditEvent.rs</c> with a patient context) sees who accessed their data and changed
/// their consents — asking for another patient's history gives an empty page; anyone else is
/// refused. Every search is itself audited before its answer leaves; if that cannot be done the
/// answer is a 503 and no entries.
/// </summary>
public static class AuditEventEndpoints
{
    /// <summary>What a patient's accounting of disclosures shows: accesses to their data and changes to their consents.</summary>
    private static readonly string[] PatientVisibleTypes = [nameof(PatientDataAccessed), nameof(ConsentChanged)];

    private static readonly JsonSerializerOptions Fhir = new JsonSerializerOptions().ForFhir();

    public static IEndpointRouteBuilder MapAuditEvents(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/fhir/AuditEvent", SearchAsync)
            .RequireSmartScope("AuditEvent", SmartPermissions.Read | SmartPermissions.Search);
        endpoints.MapGet("/fhir/AuditEvent/{id}", ReadAsync)
            .RequireSmartScope("AuditEvent", SmartPermissions.Read);
        return endpoints;
    }

    /// <summary>One AuditEvent by id (an alert's evidence), under the same visibility as searches: what a caller may not see is "not found".</summary>
    private static async Task<IResult> ReadAsync(HttpContext context, string id, AuditDbContext database, IAuditTrail trail)
    {
        var (officer, patient) = Viewer(context);
        if (!officer && patient is null)
        {
            return Refused();
        }

        var entry = Guid.TryParse(id, out var eventId)
            ? await database.Entries.AsNoTracking().SingleOrDefaultAsync(entry => entry.EventId == eventId, context.RequestAborted)
            : null;
        var visible = entry is not null && (officer || (entry.PatientId == patient && PatientVisibleTypes.Contains(entry.EventType)));
        try
        {
            await trail.RecordAsync(QueryEvent(context, trail, officer ? entry?.PatientId : patient, visible ? [entry!] : [], AuditAction.Read), context.RequestAborted);
        }
        catch (AuditUnavailableException)
        {
            return Unaudited();
        }

        return visible && AuditEventResources.From(entry!) is { } resource
            ? Results.Text(JsonSerializer.Serialize(resource, Fhir), FhirMediaTypes.Json, System.Text.Encoding.UTF8)
            : OperationOutcomes.Error(StatusCodes.Status404NotFound, "not-found", $"No AuditEvent {id} that this caller may see.");
    }

    /// <summary>Whether the caller is a security officer, and the patient whose history a patient-context token may see.</summary>
    private static (bool Officer, string? Patient) Viewer(HttpContext context) =>
        (AuditAccess.IsSecurityOfficer(context.User),
         context.Features.Get<SmartScopeGrant>() is { PatientId: { } launched } grant && grant.Scopes.Any(scope => scope.Context == SmartContext.Patient) ? launched : null);

    private static IResult Refused() =>
        OperationOutcomes.Error(StatusCodes.Status403Forbidden, "forbidden", "Only security officers (signed in with a second factor) and patients (their own data) may read the audit log.");

    private static IResult Unaudited() =>
        OperationOutcomes.Error(StatusCodes.Status503ServiceUnavailable, "transient", "The request could not be audited, so its results are withheld. Try again shortly.");

    private static async Task<IResult> SearchAsync(HttpContext context, AuditDbContext database, IAuditTrail trail)
    {
        var (query, refusal) = AuditEventQuery.Parse(context.Request.Query);
        if (refusal is not null)
        {
            return refusal;
        }

        var (officer, patient) = Viewer(context);
        if (!officer && patient is null)
        {
            return Refused();
        }

        IReadOnlyList<LedgerEntry> entries = [];
        var otherPatient = !officer && query!.PatientId is not null && query.PatientId != patient;
        if (!otherPatient)
        {
            entries = await FindAsync(database, query!, officer ? null : patient, context.RequestAborted);
        }

        var page = entries.Take(query!.Count).ToList();
        try
        {
            await trail.RecordAsync(QueryEvent(context, trail, officer ? query.PatientId : patient, page, AuditAction.Search), context.RequestAborted);
        }
        catch (AuditUnavailableException)
        {
            return Unaudited();
        }

        var self = new Uri($"{context.Request.Scheme}://{context.Request.Host}{context.Request.Path}{context.Request.QueryString}");
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Id = Guid.NewGuid().ToString() };
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = self.AbsoluteUri });
        if (entries.Count > query.Count)
        {
            bundle.Link.Add(new Bundle.LinkComponent
            {
                Relation = "next",
                Url = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.Path}{AuditEventQuery.NextPage(context.Request.Query, page[^1].Sequence)}",
            });
        }

        foreach (var entry in page)
        {
            if (AuditEventResources.From(entry) is { } resource)
            {
                bundle.Entry.Add(new Bundle.EntryComponent
                {
                    FullUrl = $"{context.Request.Scheme}://{context.Request.Host}/fhir/AuditEvent/{resource.Id}",
                    Resource = resource,
                    Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
                });
            }
        }

        return Results.Text(JsonSerializer.Serialize(bundle, Fhir), FhirMediaTypes.Json, System.Text.Encoding.UTF8);
    }

    /// <summary>One page and one more (to know whether there is a next page), newest first.</summary>
    private static async Task<IReadOnlyList<LedgerEntry>> FindAsync(AuditDbContext database, AuditEventQuery query, string? patientOnly, CancellationToken cancellationToken)
    {
        var entries = database.Entries.AsNoTracking();
        if (patientOnly is not null)
        {
            entries = entries.Where(entry => entry.PatientId == patientOnly && PatientVisibleTypes.Contains(entry.EventType));
        }

        if (query.PatientId is not null)
        {
            entries = entries.Where(entry => entry.PatientId == query.PatientId);
        }

        if (query.Agent is not null)
        {
            entries = entries.Where(entry => entry.AgentUserId == query.Agent || entry.AgentClientId == query.Agent);
        }

        if (query.Dates.From is { } from)
        {
            entries = entries.Where(entry => entry.OccurredAt >= from);
        }

        if (query.Dates.Until is { } until)
        {
            entries = entries.Where(entry => entry.OccurredAt < until);
        }

        if (query.ActionCodes.Count > 0)
        {
            entries = entries.Where(entry => query.ActionCodes.Contains(entry.Action));
        }

        if (query.OutcomeCodes.Count > 0)
        {
            entries = entries.Where(entry => query.OutcomeCodes.Contains(entry.Outcome));
        }

        if (query.Before is { } before)
        {
            entries = entries.Where(entry => entry.Sequence < before);
        }

        return await entries.OrderByDescending(entry => entry.Sequence).Take(query.Count + 1).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// A search of one patient's history is an access to that patient's data (BALP: a query with
    /// the patient as entity); a search across patients is a security event.
    /// </summary>
    private static Contracts.Audit.AuditEvent QueryEvent(HttpContext context, IAuditTrail trail, string? patientId, List<LedgerEntry> page, AuditAction action)
    {
        var actor = AuditActors.FromRequest(context);
        if (patientId is not null)
        {
            return new PatientDataAccessed
            {
                Header = trail.NewHeader(),
                Actor = actor,
                Action = action,
                ResourceType = "AuditEvent",
                ResourceIds = [.. page.Select(entry => entry.EventId.ToString())],
                PatientId = patientId,
                Outcome = AuditOutcome.Success,
                PurposeOfUse = AuditAccess.IsSecurityOfficer(context.User) ? PurposeOfUse.Operations : PurposeOfUse.PatientRequest,
            };
        }

        return new SecurityEventRecorded
        {
            Header = trail.NewHeader(),
            Kind = SecurityEventKind.AuditLogQueried,
            Actor = actor,
            Outcome = AuditOutcome.Success,
        };
    }
}
