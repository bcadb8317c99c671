using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace HealthPlatform.ServiceDefaults.Fhir;

/// <summary>FHIR's two formats: which one a body is in, and which one the caller wants back.</summary>
public static class FhirMediaTypes
{
    public const string Json = "application/fhir+json";

    public const string Xml = "application/fhir+xml";

    /// <summary>
    /// XML when <c>_format</c> asks for it (<c>xml</c>, <c>text/xml</c>, <c>application/xml</c>,
    /// <c>application/fhir+xml</c>), or, without <c>_format</c>, when Accept names XML and no JSON type;
    /// JSON otherwise.
    /// </summary>
    public static bool WantsXml(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Query["_format"].ToString() is { Length: > 0 } format)
        {
            return format is "xml" or "text/xml" or "application/xml" or Xml;
        }

        var accept = request.GetTypedHeaders().Accept;
        return accept.Count > 0 && accept.Any(type => IsXml(type.MediaType.Value)) && !accept.Any(type => IsJson(type.MediaType.Value));
    }

    public static bool IsJson(string? contentType) => MediaType(contentType) is Json or "application/json";

    public static bool IsXml(string? contentType) => MediaType(contentType) is Xml or "application/xml" or "text/xml";

    private static string? MediaType(string? contentType) =>
        contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType.Value?.ToLowerInvariant() : null;
}
