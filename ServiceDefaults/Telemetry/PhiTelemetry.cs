using System.Diagnostics;
using Microsoft.Extensions.Compliance.Redaction;

namespace HealthPlatform.ServiceDefaults.Telemetry;

/// <summary>Enriches spans with values classified as PHI through the redactor, so the classification decides what is exported.</summary>
public sealed class PhiTelemetry(IRedactorProvider redactors)
{
    private readonly Redactor _phi = redactors.GetRedactor(HealthDataClassification.Phi);

    /// <summary>Sets <paramref name="name"/> on <paramref name="activity"/> to the redacted form of a PHI value.</summary>
    public void SetPhiTag(Activity? activity, string name, string? value)
    {
        if (activity is not null && value is not null)
        {
            activity.SetTag(name, _phi.Redact(value));
        }
    }
}
