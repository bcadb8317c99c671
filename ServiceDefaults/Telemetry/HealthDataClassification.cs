using Microsoft.Extensions.Compliance.Classification;

namespace HealthPlatform.ServiceDefaults.Telemetry;

/// <summary>
/// The platform's data classes. A log parameter or trace tag classified <see cref="Phi"/> is
/// replaced by the PHI redactor before any exporter sees it.
/// </summary>
public static class HealthDataClassification
{
    public const string TaxonomyName = "HealthPlatform";

    /// <summary>Protected health information, patient identifiers included.</summary>
    public static DataClassification Phi { get; } = new(TaxonomyName, "PHI");
}

/// <summary>Marks a log parameter (or property) as PHI: it is redacted in every log.</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property | AttributeTargets.Field)]
public sealed class PhiAttribute : DataClassificationAttribute
{
    public PhiAttribute()
        : base(HealthDataClassification.Phi)
    {
    }
}
