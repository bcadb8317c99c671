using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace HealthPlatform.Contracts.Audit;

/// <summary>
/// Checks an audit event against its schema: ids present, version known, enumerations defined,
/// identifiers shaped as identifiers (no spaces, no prose). The producer checks before sending and
/// the audit service checks again on arrival. Problems name the field, never its value.
/// </summary>
public static partial class AuditEventSchema
{
    private const int MaxIds = 1000;

    /// <summary>A stated reason is a sentence, not a document.</summary>
    public const int MaxReasonLength = 500;

    public static IReadOnlyList<string> Validate(AuditEvent? auditEvent)
    {
        var problems = new List<string>();
        if (auditEvent is null)
        {
            problems.Add("The event is missing.");
            return problems;
        }

        var type = auditEvent.GetType();
        if (!AuditEventTypes.TryResolve(type.Name, out var known) || known != type)
        {
            problems.Add($"{type.Name} is not an audit event type.");
            return problems;
        }

        if (!AuditEventTypes.IsSupported(type, auditEvent.SchemaVersion))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"SchemaVersion {auditEvent.SchemaVersion} is not a known version of {type.Name}."));
        }

        CheckHeader(auditEvent.Header, problems);
        switch (auditEvent)
        {
            case PatientDataAccessed access:
                CheckActor(access.Actor, problems);
                CheckDefined(access.Action, nameof(access.Action), problems);
                CheckDefined(access.Outcome, nameof(access.Outcome), problems);
                CheckDefined(access.PurposeOfUse, nameof(access.PurposeOfUse), problems);
                CheckResourceType(access.ResourceType, nameof(access.ResourceType), required: true, problems);
                CheckFhirId(access.PatientId, nameof(access.PatientId), required: true, problems);
                CheckFhirIds(access.ResourceIds, nameof(access.ResourceIds), problems);
                CheckBreakTheGlass(access.BreakTheGlass, access.BreakTheGlassReason, problems);
                break;
            case AuthorizationDecided decision:
                CheckActor(decision.Actor, problems);
                CheckDefined(decision.Decision, nameof(decision.Decision), problems);
                CheckDefined(decision.DecidingStep, nameof(decision.DecidingStep), problems);
                CheckDefined(decision.Reason, nameof(decision.Reason), problems);
                CheckResourceType(decision.ResourceType, nameof(decision.ResourceType), required: false, problems);
                CheckFhirId(decision.PatientId, nameof(decision.PatientId), required: false, problems);
                if (decision.PurposeOfUse is { } purpose)
                {
                    CheckDefined(purpose, nameof(decision.PurposeOfUse), problems);
                }

                break;
            case SecurityEventRecorded security:
                CheckActor(security.Actor, problems);
                CheckDefined(security.Kind, nameof(security.Kind), problems);
                CheckDefined(security.Outcome, nameof(security.Outcome), problems);
                CheckRequest(security.Request, problems);
                CheckIdentifier(security.TargetUserId, nameof(security.TargetUserId), problems);
                CheckIdentifier(security.TargetClientId, nameof(security.TargetClientId), problems);
                CheckIdentifier(security.TokenId, nameof(security.TokenId), problems);
                CheckRole(security.Role, nameof(security.Role), problems);
                CheckReason(security.Reason, problems);
                break;
            case KeyOperationPerformed key:
                CheckActor(key.Actor, problems);
                CheckDefined(key.Operation, nameof(key.Operation), problems);
                CheckDefined(key.Outcome, nameof(key.Outcome), problems);
                Check(key.KeyName is not null && KeyName().IsMatch(key.KeyName), $"{nameof(key.KeyName)} must be a key name (lower-case letters, digits, '-').", problems);
                Check(key.KeyVersion is null or > 0, $"{nameof(key.KeyVersion)} must be positive.", problems);
                CheckFhirId(key.SubjectId, nameof(key.SubjectId), required: false, problems);
                CheckReason(key.Reason, problems);
                break;
            case ConsentChanged consent:
                CheckActor(consent.Actor, problems);
                CheckDefined(consent.Change, nameof(consent.Change), problems);
                CheckFhirId(consent.ConsentId, nameof(consent.ConsentId), required: true, problems);
                CheckFhirId(consent.PatientId, nameof(consent.PatientId), required: true, problems);
                Check(consent.Version > 0, $"{nameof(consent.Version)} must be positive.", problems);
                break;
            case SecurityAlertRaised alert:
                CheckActor(alert.Actor, problems);
                CheckDefined(alert.Rule, nameof(alert.Rule), problems);
                CheckDefined(alert.Severity, nameof(alert.Severity), problems);
                Check(alert.ObservedCount >= 0, $"{nameof(alert.ObservedCount)} must not be negative.", problems);
                Check(alert.WindowStart <= alert.WindowEnd, $"{nameof(alert.WindowStart)} must not be after {nameof(alert.WindowEnd)}.", problems);
                Check(alert.RelatedEventIds is not null && alert.RelatedEventIds.Count <= MaxIds, $"{nameof(alert.RelatedEventIds)} must hold at most {MaxIds} ids.", problems);
                break;
        }

        return problems;
    }

    /// <summary>Whether <paramref name="value"/> may stand as a user, client or token id (printable ASCII, no spaces, at most 256).</summary>
    public static bool IsIdentifier(string? value) => value is not null && Identifier().IsMatch(value);

    /// <summary>Whether <paramref name="value"/> is a FHIR id (letters, digits, '-', '.'; 1 to 64).</summary>
    public static bool IsFhirId(string? value) => value is not null && FhirId().IsMatch(value);

    /// <summary>A free-text reason fit for an event: control characters dropped, cut at <see cref="MaxReasonLength"/>.</summary>
    public static string? BoundedReason(string? reason) =>
        reason is null ? null : new string([.. reason.Where(character => !char.IsControl(character)).Take(MaxReasonLength)]);

    /// <summary>Whether <paramref name="value"/> may stand as a role name.</summary>
    public static bool IsRole(string? value) => value is not null && Role().IsMatch(value);

    /// <summary>Whether <paramref name="value"/> may stand as an HTTP method (upper-case letters, 3 to 10).</summary>
    public static bool IsHttpMethod(string? value) => value is not null && HttpMethod().IsMatch(value);

    private static void CheckHeader(AuditHeader? header, List<string> problems)
    {
        if (header is null)
        {
            problems.Add("Header is missing.");
            return;
        }

        Check(header.EventId != Guid.Empty, "Header.EventId is missing.", problems);
        Check(header.OccurredAt != default, "Header.OccurredAt is missing.", problems);
        Check(header.Source is not null && ServiceName().IsMatch(header.Source), "Header.Source must be a service name.", problems);
        Check(header.TraceId is null || TraceId().IsMatch(header.TraceId), "Header.TraceId must be 32 lower-case hex digits.", problems);
    }

    private static void CheckActor(AuditActor? actor, List<string> problems)
    {
        if (actor is null)
        {
            problems.Add("Actor is missing.");
            return;
        }

        CheckIdentifier(actor.UserId, "Actor.UserId", problems);
        CheckIdentifier(actor.ClientId, "Actor.ClientId", problems);
        Check(actor.ServiceIdentity is null || (Uri.TryCreate(actor.ServiceIdentity, UriKind.Absolute, out var spiffe) && spiffe.Scheme == "spiffe"),
            "Actor.ServiceIdentity must be a spiffe:// URI.", problems);
        Check(actor.NetworkAddress is null || IPAddress.TryParse(actor.NetworkAddress, out _), "Actor.NetworkAddress must be an IP address.", problems);
        if (actor.Roles is null)
        {
            problems.Add("Actor.Roles is missing.");
            return;
        }

        foreach (var role in actor.Roles)
        {
            CheckRole(role, "Actor.Roles", problems);
        }
    }

    private static void CheckRequest(AuditRequest? request, List<string> problems)
    {
        if (request is null)
        {
            return;
        }

        Check(request.Method is not null && HttpMethod().IsMatch(request.Method), "Request.Method must be an HTTP method.", problems);
        Check(request.RouteTemplate is null || (request.RouteTemplate.Length <= 256 && !request.RouteTemplate.Contains('?', StringComparison.Ordinal)),
            "Request.RouteTemplate must be a route template without a query.", problems);
        Check(request.StatusCode is >= 100 and <= 599, "Request.StatusCode must be an HTTP status code.", problems);
        Check(request.Listener is "public" or "internal" or "mtls", "Request.Listener must be 'public', 'internal' or 'mtls'.", problems);
    }

    private static void CheckReason(string? reason, List<string> problems) =>
        Check(reason is null || (reason.Length <= MaxReasonLength && !reason.Any(char.IsControl)),
            $"Reason must be at most {MaxReasonLength} characters without control characters.", problems);

    private static void CheckBreakTheGlass(bool brokeTheGlass, BreakTheGlassReason? reason, List<string> problems)
    {
        Check(brokeTheGlass == reason.HasValue, "BreakTheGlassReason is required exactly when BreakTheGlass is set.", problems);
        if (reason is { } value)
        {
            CheckDefined(value, nameof(BreakTheGlassReason), problems);
        }
    }

    private static void CheckFhirIds(IReadOnlyList<string>? ids, string field, List<string> problems)
    {
        if (ids is null || ids.Count > MaxIds)
        {
            problems.Add($"{field} must hold at most {MaxIds} ids.");
            return;
        }

        foreach (var id in ids)
        {
            CheckFhirId(id, field, required: true, problems);
        }
    }

    private static void CheckFhirId(string? id, string field, bool required, List<string> problems)
    {
        if (id is null)
        {
            Check(!required, $"{field} is missing.", problems);
            return;
        }

        Check(FhirId().IsMatch(id), $"{field} must be a FHIR id (letters, digits, '-', '.'; at most 64).", problems);
    }

    private static void CheckResourceType(string? resourceType, string field, bool required, List<string> problems)
    {
        if (resourceType is null)
        {
            Check(!required, $"{field} is missing.", problems);
            return;
        }

        Check(ResourceType().IsMatch(resourceType), $"{field} must be a FHIR resource type name.", problems);
    }

    private static void CheckIdentifier(string? value, string field, List<string> problems) =>
        Check(value is null || Identifier().IsMatch(value), $"{field} must be an identifier (no spaces; at most 256).", problems);

    private static void CheckRole(string? value, string field, List<string> problems) =>
        Check(value is null || Role().IsMatch(value), $"{field} must be role names (lower-case letters, digits, '-').", problems);

    private static void CheckDefined<TEnum>(TEnum value, string field, List<string> problems)
        where TEnum : struct, Enum =>
        Check(Enum.IsDefined(value), $"{field} is not a defined value.", problems);

    private static void Check(bool condition, string problem, List<string> problems)
    {
        if (!condition)
        {
            problems.Add(problem);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9\\-\\.]{1,64}\\z")]
    private static partial Regex FhirId();

    [GeneratedRegex("^[A-Z][A-Za-z]{1,63}\\z")]
    private static partial Regex ResourceType();

    [GeneratedRegex("^[\\x21-\\x7E]{1,256}\\z")]
    private static partial Regex Identifier();

    [GeneratedRegex("^[a-z][a-z0-9\\-]{0,63}\\z")]
    private static partial Regex Role();

    [GeneratedRegex("^[a-z0-9][a-z0-9\\-]{0,63}\\z")]
    private static partial Regex KeyName();

    [GeneratedRegex("^[a-z][a-z0-9\\-]{0,63}\\z")]
    private static partial Regex ServiceName();

    [GeneratedRegex("^[0-9a-f]{32}\\z")]
    private static partial Regex TraceId();

    [GeneratedRegex("^[A-Z]{3,10}\\z")]
    private static partial Regex HttpMethod();
}
