using Microsoft.Extensions.Compliance.Redaction;

namespace HealthPlatform.ServiceDefaults.Telemetry;

/// <summary>
/// Replaces PHI with a fixed marker. Deliberately not a hash or pseudonym: a value derived from a
/// patient identifier is still information about that patient (HIPAA §164.514(c)), and a
/// patient's access history belongs in the audit trail, not in logs.
/// </summary>
public sealed class PhiRedactor : Redactor
{
    public const string Marker = "[PHI]";

    public override int GetRedactedLength(ReadOnlySpan<char> input) => Marker.Length;

    public override int Redact(ReadOnlySpan<char> source, Span<char> destination)
    {
        Marker.AsSpan().CopyTo(destination);
        return Marker.Length;
    }
}
