using Hl7.Fhir.Model;
using FhirDateTimeValue = Hl7.Fhir.ElementModel.Types.DateTime;

namespace HealthPlatform.Consent.Domain;

/// <summary>
/// The instants a FHIR dateTime stands for. A partial value covers its whole span: a period that
/// starts "2026-03" starts on the first of March, one that ends "2026-03" ends with the last
/// instant of March (FHIR: the end value includes any matching date/time). Values without an
/// offset are read as UTC.
/// </summary>
public static class FhirInstants
{
    public static DateTimeOffset? StartOf(FhirDateTime? value) =>
        Parse(value) is { } parsed ? parsed.ToDateTimeOffset(TimeSpan.Zero) : null;

    public static DateTimeOffset? EndOf(FhirDateTime? value)
    {
        if (Parse(value) is not { } parsed)
        {
            return null;
        }

        var start = parsed.ToDateTimeOffset(TimeSpan.Zero);
        var next = parsed.Precision switch
        {
            Hl7.Fhir.ElementModel.Types.DateTimePrecision.Year => start.AddYears(1),
            Hl7.Fhir.ElementModel.Types.DateTimePrecision.Month => start.AddMonths(1),
            Hl7.Fhir.ElementModel.Types.DateTimePrecision.Day => start.AddDays(1),
            Hl7.Fhir.ElementModel.Types.DateTimePrecision.Hour => start.AddHours(1),
            Hl7.Fhir.ElementModel.Types.DateTimePrecision.Minute => start.AddMinutes(1),
            Hl7.Fhir.ElementModel.Types.DateTimePrecision.Second => start.AddSeconds(1),
            _ => start.AddTicks(1),
        };
        return next.AddTicks(-1);
    }

    private static FhirDateTimeValue? Parse(FhirDateTime? value) =>
        value?.Value is { } text && FhirDateTimeValue.TryParse(text, out var parsed) ? parsed : null;
}
