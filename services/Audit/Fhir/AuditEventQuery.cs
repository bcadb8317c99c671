using System.Globalization;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Fhir;
using Microsoft.Extensions.Primitives;

namespace HealthPlatform.Audit.Fhir;

/// <summary>A half-open time range [<see cref="From"/>, <see cref="Until"/>) from one or more <c>date</c> parameters.</summary>
public sealed record DateRange(DateTimeOffset? From, DateTimeOffset? Until);

/// <summary>
/// The search parameters <c>/fhir/AuditEvent</c> understands — <c>patient</c>, <c>agent</c>,
/// <c>date</c> (repeatable, with the prefixes eq, ge, gt, le, lt), <c>action</c> and <c>outcome</c>
/// (comma for "or"), <c>_count</c> (1–200) and the <c>_cursor</c> of a next link — parsed strictly:
/// an unknown parameter or a bad value is a 400 OperationOutcome naming it, not silently ignored.
/// </summary>
public sealed record AuditEventQuery
{
    public const int DefaultCount = 50;
    public const int MaxCount = 200;

    private static readonly HashSet<string> Known = ["patient", "agent", "date", "action", "outcome", "_count", "_cursor", "_format"];
    private static readonly string[] Actions = ["C", "R", "U", "D", "E"];
    private static readonly string[] Outcomes = ["0", "4", "8", "12"];

    public string? PatientId { get; init; }

    public string? Agent { get; init; }

    public DateRange Dates { get; init; } = new(null, null);

    public IReadOnlyList<string> ActionCodes { get; init; } = [];

    public IReadOnlyList<string> OutcomeCodes { get; init; } = [];

    public int Count { get; init; } = DefaultCount;

    /// <summary>Entries older than this sequence (the next page); null for the first page.</summary>
    public long? Before { get; init; }

    /// <summary>The query, or the OperationOutcome that refuses it.</summary>
    public static (AuditEventQuery? Query, IResult? Refusal) Parse(IQueryCollection parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var (name, _) in parameters)
        {
            if (!Known.Contains(name))
            {
                return Refuse(name, $"Unknown search parameter '{name}'. Supported: patient, agent, date, action, outcome, _count.");
            }
        }

        foreach (var name in Known.Where(name => name != "date"))
        {
            if (parameters[name].Count > 1)
            {
                return Refuse(name, $"'{name}' may be given once.");
            }
        }

        if (parameters.TryGetValue("_format", out var format) && !FhirMediaTypes.FormatNamesJson(format.ToString()))
        {
            return Refuse("_format", "Only JSON is served (_format=json).");
        }

        var query = new AuditEventQuery();
        if (Single(parameters, "patient") is { } patient)
        {
            var id = patient.StartsWith("Patient/", StringComparison.Ordinal) ? patient["Patient/".Length..] : patient;
            if (!AuditEventSchema.IsFhirId(id))
            {
                return Refuse("patient", "patient must be a Patient id or reference (Patient/{id}).");
            }

            query = query with { PatientId = id };
        }

        if (Single(parameters, "agent") is { } agent)
        {
            if (agent.Length > 256 || agent.Any(char.IsControl))
            {
                return Refuse("agent", "agent must be a user or client id of at most 256 characters.");
            }

            query = query with { Agent = agent };
        }

        var dates = query.Dates;
        foreach (var value in parameters["date"])
        {
            if (!TryNarrow(dates, value, out dates))
            {
                return Refuse("date", $"date '{value}' is not understood: use eq, ge, gt, le or lt and a FHIR date or dateTime with a time zone (e.g. ge2026-11-01 or lt2026-11-28T08:00:00Z).");
            }
        }

        query = query with { Dates = dates };
        if (Single(parameters, "action") is { } action)
        {
            var codes = action.Split(',');
            if (codes.Any(code => !Actions.Contains(code, StringComparer.Ordinal)))
            {
                return Refuse("action", "action is one or more of C, R, U, D, E (comma-separated).");
            }

            query = query with { ActionCodes = codes };
        }

        if (Single(parameters, "outcome") is { } outcome)
        {
            var codes = outcome.Split(',');
            if (codes.Any(code => !Outcomes.Contains(code, StringComparer.Ordinal)))
            {
                return Refuse("outcome", "outcome is one or more of 0, 4, 8, 12 (comma-separated).");
            }

            query = query with { OutcomeCodes = codes };
        }

        if (Single(parameters, "_count") is { } count)
        {
            if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size is < 1 or > MaxCount)
            {
                return Refuse("_count", $"_count is a whole number from 1 to {MaxCount}.");
            }

            query = query with { Count = size };
        }

        if (Single(parameters, "_cursor") is { } cursor)
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var before) || before < 1)
            {
                return Refuse("_cursor", "_cursor is the value from a next link.");
            }

            query = query with { Before = before };
        }

        return (query, null);
    }

    /// <summary>The query string of the page after the one that ended at <paramref name="lastSequence"/>.</summary>
    public static string NextPage(IQueryCollection parameters, long lastSequence)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var next = parameters.Where(parameter => parameter.Key != "_cursor")
            .SelectMany(parameter => parameter.Value.Select(value => $"{Uri.EscapeDataString(parameter.Key)}={Uri.EscapeDataString(value ?? string.Empty)}"))
            .Append(string.Create(CultureInfo.InvariantCulture, $"_cursor={lastSequence}"));
        return "?" + string.Join('&', next);
    }

    private static string? Single(IQueryCollection parameters, string name) =>
        parameters.TryGetValue(name, out StringValues values) ? values.ToString() : null;

    private static (AuditEventQuery?, IResult?) Refuse(string parameter, string diagnostics) =>
        (null, OperationOutcomes.InvalidParameter(parameter, diagnostics));

    private static bool TryNarrow(DateRange range, string? value, out DateRange narrowed)
    {
        narrowed = range;
        if (value is null || value.Length < 6)
        {
            return false;
        }

        var (prefix, text) = char.IsLetter(value[0]) ? (value[..2], value[2..]) : ("eq", value);
        if (!TryParseDate(text, out var start, out var end))
        {
            return false;
        }

        DateTimeOffset? from;
        DateTimeOffset? until;
        switch (prefix)
        {
            case "eq": (from, until) = (start, end); break;
            case "ge": (from, until) = (start, null); break;
            case "gt": (from, until) = (end, null); break;
            case "le": (from, until) = (null, end); break;
            case "lt": (from, until) = (null, start); break;
            default: return false;
        }

        narrowed = new DateRange(
            from is null ? range.From : range.From is null || from > range.From ? from : range.From,
            until is null ? range.Until : range.Until is null || until < range.Until ? until : range.Until);
        return true;
    }

    /// <summary>A FHIR date (YYYY, YYYY-MM, YYYY-MM-DD; taken as UTC) or dateTime with a zone, as the range it covers.</summary>
    private static bool TryParseDate(string text, out DateTimeOffset start, out DateTimeOffset end)
    {
        var invariant = CultureInfo.InvariantCulture;
        var utc = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        (start, end) = (default, default);
        if (text.Length == 4 && DateTimeOffset.TryParseExact(text, "yyyy", invariant, utc, out start))
        {
            end = start.AddYears(1);
            return true;
        }

        if (text.Length == 7 && DateTimeOffset.TryParseExact(text, "yyyy-MM", invariant, utc, out start))
        {
            end = start.AddMonths(1);
            return true;
        }

        if (text.Length == 10 && DateTimeOffset.TryParseExact(text, "yyyy-MM-dd", invariant, utc, out start))
        {
            end = start.AddDays(1);
            return true;
        }

        // A time needs its zone (FHIR dateTime): "Z" or an offset.
        if (text.Length > 10 && (text.EndsWith('Z') || text[^6] is '+' or '-')
            && DateTimeOffset.TryParse(text, invariant, DateTimeStyles.AdjustToUniversal, out start))
        {
            // The precision given is the range meant: to the second, or to the fraction written.
            end = text.Contains('.', StringComparison.Ordinal) ? start.AddTicks(1) : start.AddSeconds(1);
            return true;
        }

        return false;
    }
}
