using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace HealthPlatform.ServiceDefaults.Fhir;

/// <summary>FHIR's two formats: which one a body is in, and which one the caller wants back.</summary>
public static class FhirMediaTypes
{
    public const string Json = "application/fhir+json";

    public const string Xml = "application/fhir+xml";

    /// <summary>
    /// XML when <c>_format</c> names it (<c>xml</c>, or an XML media type, parameters allowed), or,
    /// without <c>_format</c>, when Accept rates an XML type above every JSON type and <c>*/*</c>
    /// (q-values count; <c>q=0</c> refuses a type). JSON otherwise.
    /// </summary>
    public static bool WantsXml(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Query["_format"].ToString() is { Length: > 0 } format)
        {
            return FormatNamesXml(format);
        }

        double xml = 0, other = 0;
        foreach (var type in request.GetTypedHeaders().Accept)
        {
            var quality = type.Quality ?? 1;
            if (IsXml(type.MediaType.Value))
            {
                xml = Math.Max(xml, quality);
            }
            else if (IsJson(type.MediaType.Value) || type.MatchesAllTypes || type.MatchesAllSubTypes)
            {
                other = Math.Max(other, quality);
            }
        }

        return xml > 0 && xml > other;
    }

    /// <summary>Whether a <c>_format</c> value names XML: <c>xml</c> or an XML media type (an unencoded '+' arrives as a space).</summary>
    public static bool FormatNamesXml(string format) => FormatNames(format, "xml", IsXml);

    /// <summary>Whether a <c>_format</c> value names JSON: <c>json</c> or a JSON media type.</summary>
    public static bool FormatNamesJson(string format) => FormatNames(format, "json", IsJson);

    private static bool FormatNames(string format, string shortName, Func<string, bool> isMediaType)
    {
        ArgumentNullException.ThrowIfNull(format);
        var value = format.Trim().Replace(' ', '+');
        return value.Equals(shortName, StringComparison.OrdinalIgnoreCase) || isMediaType(value);
    }

    public static bool IsJson(string? contentType) => MediaType(contentType) is Json or "application/json";

    public static bool IsXml(string? contentType) => MediaType(contentType) is Xml or "application/xml" or "text/xml";

    private static string? MediaType(string? contentType) =>
        contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType.Value?.ToLowerInvariant() : null;
}
