using System.Collections.Frozen;

namespace HealthPlatform.Contracts.Audit;

/// <summary>
/// The audit event family by name: the names the outbox stores and the schema versions each
/// type understands. A producer refuses an event whose version is not listed here.
/// </summary>
public static class AuditEventTypes
{
    /// <summary>The durable queue audit events are sent to. Producers declare it, so nothing sent before the audit service first starts is lost.</summary>
    public const string QueueName = "audit-events";

    private static readonly FrozenDictionary<string, Type> ByName = new[]
    {
        typeof(PatientDataAccessed),
        typeof(AuthorizationDecided),
        typeof(SecurityEventRecorded),
        typeof(KeyOperationPerformed),
        typeof(ConsentChanged),
        typeof(SecurityAlertRaised),
    }.ToFrozenDictionary(type => type.Name, StringComparer.Ordinal);

    private static readonly FrozenDictionary<Type, int[]> SupportedVersions = new Dictionary<Type, int[]>
    {
        [typeof(PatientDataAccessed)] = [PatientDataAccessed.CurrentSchemaVersion],
        [typeof(AuthorizationDecided)] = [AuthorizationDecided.CurrentSchemaVersion],
        [typeof(SecurityEventRecorded)] = [SecurityEventRecorded.CurrentSchemaVersion],
        [typeof(KeyOperationPerformed)] = [KeyOperationPerformed.CurrentSchemaVersion],
        [typeof(ConsentChanged)] = [ConsentChanged.CurrentSchemaVersion],
        [typeof(SecurityAlertRaised)] = [SecurityAlertRaised.CurrentSchemaVersion],
    }.ToFrozenDictionary();

    public static IEnumerable<Type> All => ByName.Values;

    public static string NameOf(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        var type = auditEvent.GetType();
        return ByName.ContainsKey(type.Name) ? type.Name : throw new ArgumentException($"{type.Name} is not an audit event type.", nameof(auditEvent));
    }

    public static bool TryResolve(string name, out Type type) => ByName.TryGetValue(name, out type!);

    public static bool IsSupported(Type type, int schemaVersion) =>
        SupportedVersions.TryGetValue(type, out var versions) && versions.Contains(schemaVersion);
}
