using System.Text.Json;
using System.Text.Json.Serialization;
using HealthPlatform.Contracts.Audit;

namespace HealthPlatform.Audit.Ledger;

/// <summary>From an audit event to the entry that stores it, and back: the searchable columns are read off the event.</summary>
public static class LedgerEntries
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>FHIR AuditEvent.outcome codes.</summary>
    public const string Success = "0";

    public const string MinorFailure = "4";

    public const string SeriousFailure = "8";

    public static LedgerEntry From(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        var (actor, patientId, action, outcome) = auditEvent switch
        {
            PatientDataAccessed access => (access.Actor, access.PatientId, ActionCode(access.Action), OutcomeCode(access.Outcome)),
            AuthorizationDecided decision => (decision.Actor, decision.PatientId, "E", decision.Decision == AuthorizationDecision.Permit ? Success : MinorFailure),
            SecurityEventRecorded security => (security.Actor, null, "E", OutcomeCode(security.Outcome)),
            KeyOperationPerformed key => (key.Actor, key.SubjectId, "E", OutcomeCode(key.Outcome)),
            ConsentChanged consent => (consent.Actor, consent.PatientId, consent.Change == ConsentChange.Created ? "C" : "U", Success),
            SecurityAlertRaised alert => (alert.Actor, null, "E", Success),
            _ => throw new ArgumentException($"{auditEvent.GetType().Name} is not an audit event type.", nameof(auditEvent)),
        };

        return new LedgerEntry
        {
            EventId = auditEvent.Header.EventId,
            EventType = AuditEventTypes.NameOf(auditEvent),
            SchemaVersion = auditEvent.SchemaVersion,
            OccurredAt = auditEvent.Header.OccurredAt,
            Source = auditEvent.Header.Source,
            PatientId = patientId,
            AgentUserId = actor.UserId,
            AgentClientId = actor.ClientId,
            Action = action,
            Outcome = outcome,
            Payload = JsonSerializer.Serialize(auditEvent, auditEvent.GetType(), Json),
        };
    }

    /// <summary>The event an entry stores; null when its payload no longer reads as its type.</summary>
    public static AuditEvent? EventOf(LedgerEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!AuditEventTypes.TryResolve(entry.EventType, out var type))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(entry.Payload, type, Json) as AuditEvent;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string ActionCode(AuditAction action) => action switch
    {
        AuditAction.Create => "C",
        AuditAction.Read => "R",
        AuditAction.Update => "U",
        AuditAction.Delete => "D",
        _ => "E",
    };

    public static string OutcomeCode(AuditOutcome outcome) => outcome switch
    {
        AuditOutcome.Success => Success,
        AuditOutcome.Denied => MinorFailure,
        _ => SeriousFailure,
    };
}
