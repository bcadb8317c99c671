using System.Text.Json.Serialization;
using HealthPlatform.Audit.Access;
using HealthPlatform.Audit.Infrastructure;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Audit.Detection;

public sealed record AcknowledgeRequest([property: JsonPropertyName("note")] string? Note);

/// <summary>
/// The alerts API, for security officers: <c>GET /audit/alerts?status=open|acknowledged|all</c>
/// (newest first, at most 200) and <c>POST /audit/alerts/{id}/acknowledge</c> with a note. Both audited.
/// </summary>
public static class AlertEndpoints
{
    private const int MaxAlerts = 200;

    public static IEndpointRouteBuilder MapAlerts(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var alerts = endpoints.MapGroup("/audit/alerts").RequireAuthorization(AuditAccess.SecurityOfficerPolicy);
        alerts.MapGet("/", ListAsync);
        alerts.MapPost("/{id:guid}/acknowledge", AcknowledgeAsync);
        return endpoints;
    }

    private static async Task<IResult> ListAsync(HttpContext context, AuditDbContext database, IAuditTrail trail, string? status)
    {
        var found = database.Alerts.AsNoTracking();
        switch (status ?? "open")
        {
            case "open": found = found.Where(alert => alert.AcknowledgedAt == null); break;
            case "acknowledged": found = found.Where(alert => alert.AcknowledgedAt != null); break;
            case "all": break;
            default: return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "invalid-status", detail: "status is open, acknowledged or all.");
        }

        var page = await found.OrderByDescending(alert => alert.RaisedAt).Take(MaxAlerts).ToListAsync(context.RequestAborted);
        await AuditAsync(context, trail, SecurityEventKind.AuditLogQueried, reason: null);
        return TypedResults.Ok(new { alerts = page });
    }

    private static async Task<IResult> AcknowledgeAsync(HttpContext context, AuditDbContext database, IAuditTrail trail, Guid id, AcknowledgeRequest? request, TimeProvider time)
    {
        if (request?.Note is not { Length: > 0 and <= AuditEventSchema.MaxReasonLength } note || note.Any(char.IsControl))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "invalid-note", detail: $"note says what was done, in 1 to {AuditEventSchema.MaxReasonLength} characters.");
        }

        var officer = AuditActors.FromRequest(context).UserId;
        var acknowledged = await database.Alerts
            .Where(alert => alert.Id == id && alert.AcknowledgedAt == null)
            .ExecuteUpdateAsync(
                update => update
                    .SetProperty(alert => alert.AcknowledgedAt, time.GetUtcNow())
                    .SetProperty(alert => alert.AcknowledgedBy, officer)
                    .SetProperty(alert => alert.AcknowledgementNote, note),
                context.RequestAborted);
        if (acknowledged == 0)
        {
            return await database.Alerts.AnyAsync(alert => alert.Id == id, context.RequestAborted)
                ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "already-acknowledged", detail: "The alert was acknowledged before.")
                : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "unknown-alert", detail: "No alert has this id.");
        }

        await AuditAsync(context, trail, SecurityEventKind.AlertAcknowledged, AuditEventSchema.BoundedReason($"alert {id}: {note}"));
        return TypedResults.Ok(await database.Alerts.AsNoTracking().SingleAsync(alert => alert.Id == id, context.RequestAborted));
    }

    private static Task AuditAsync(HttpContext context, IAuditTrail trail, SecurityEventKind kind, string? reason) =>
        trail.RecordAsync(
            new SecurityEventRecorded
            {
                Header = trail.NewHeader(),
                Kind = kind,
                Actor = AuditActors.FromRequest(context),
                Outcome = AuditOutcome.Success,
                Reason = reason,
            },
            context.RequestAborted);
}
