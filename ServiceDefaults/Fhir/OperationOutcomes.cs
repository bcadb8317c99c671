using System.Text;
using System.Text.Json;
using System.Xml;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace HealthPlatform.ServiceDefaults.Fhir;

/// <summary>
/// FHIR R4 <c>OperationOutcome</c>s: every error on a FHIR route (<c>/fhir/…</c>) is one, whoever
/// answers it — a route's own validation, authentication (401), authorization (403), the rate
/// limiter (429), Kestrel's size limit (413), an unmatched route (404) or an exception (500) —
/// in the format the caller asked for (<see cref="FhirMediaTypes.WantsXml"/>).
/// </summary>
public static class OperationOutcomes
{
    private const string FhirNamespace = "http://hl7.org/fhir";

    /// <summary>Whether <paramref name="path"/> is a FHIR route, whose errors are OperationOutcomes.</summary>
    public static bool IsFhirPath(PathString path) => path.StartsWithSegments("/fhir", StringComparison.Ordinal);

    /// <summary>The FHIR issue type for an HTTP status (IssueType value set).</summary>
    public static string IssueCodeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "invalid",
        StatusCodes.Status401Unauthorized => "login",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not-found",
        StatusCodes.Status405MethodNotAllowed or StatusCodes.Status406NotAcceptable or StatusCodes.Status415UnsupportedMediaType => "not-supported",
        StatusCodes.Status409Conflict or StatusCodes.Status412PreconditionFailed => "conflict",
        StatusCodes.Status410Gone => "deleted",
        StatusCodes.Status413PayloadTooLarge => "too-costly",
        StatusCodes.Status422UnprocessableEntity => "processing",
        StatusCodes.Status429TooManyRequests => "throttled",
        StatusCodes.Status503ServiceUnavailable => "transient",
        _ => status >= 500 ? "exception" : "processing",
    };

    /// <summary>An error answer: <paramref name="status"/> with one issue of type <paramref name="code"/>.</summary>
    public static IResult Error(int status, string code, string diagnostics, string? expression = null) =>
        new OutcomeResult(status, new Issue("error", code, diagnostics, expression));

    /// <summary>A 400 for a bad search or request parameter, naming it.</summary>
    public static IResult InvalidParameter(string parameter, string diagnostics) =>
        Error(StatusCodes.Status400BadRequest, "invalid", diagnostics, parameter);

    /// <summary>A 200 that says something instead of returning a resource.</summary>
    public static IResult Information(string diagnostics) =>
        new OutcomeResult(StatusCodes.Status200OK, new Issue("information", "informational", diagnostics, null));

    /// <summary>Writes an OperationOutcome of one issue as the response, in the format the request asked for.</summary>
    public static async Task WriteAsync(HttpContext context, string severity, string code, string diagnostics, string? expression = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var xml = FhirMediaTypes.WantsXml(context.Request);
        context.Response.ContentType = xml ? FhirMediaTypes.Xml : FhirMediaTypes.Json;
        context.Response.Headers.Vary = HeaderNames.Accept;
        var issue = new Issue(severity, code, diagnostics, expression);
        await context.Response.Body.WriteAsync(xml ? SerializeXml(issue) : SerializeJson(issue), context.RequestAborted);
    }

    private static byte[] SerializeJson(Issue issue)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("resourceType", "OperationOutcome");
            json.WriteStartArray("issue");
            json.WriteStartObject();
            json.WriteString("severity", issue.Severity);
            json.WriteString("code", issue.Code);
            json.WriteString("diagnostics", issue.Diagnostics);
            if (issue.Expression is not null)
            {
                json.WriteStartArray("expression");
                json.WriteStringValue(issue.Expression);
                json.WriteEndArray();
            }

            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static byte[] SerializeXml(Issue issue)
    {
        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false) }))
        {
            xml.WriteStartElement("OperationOutcome", FhirNamespace);
            xml.WriteStartElement("issue", FhirNamespace);
            Value(xml, "severity", issue.Severity);
            Value(xml, "code", issue.Code);
            Value(xml, "diagnostics", issue.Diagnostics);
            if (issue.Expression is not null)
            {
                Value(xml, "expression", issue.Expression);
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        return buffer.ToArray();

        static void Value(XmlWriter xml, string element, string value)
        {
            xml.WriteStartElement(element, FhirNamespace);
            xml.WriteAttributeString("value", XmlSafe(value));
            xml.WriteEndElement();
        }
    }

    /// <summary>Diagnostics may echo what the caller sent; a character XML cannot hold becomes U+FFFD instead of failing the answer.</summary>
    private static string XmlSafe(string value)
    {
        if (value.All(XmlConvert.IsXmlChar))
        {
            return value;
        }

        var safe = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && XmlConvert.IsXmlSurrogatePair(value[i + 1], value[i]))
            {
                safe.Append(value, i, 2);
                i++;
            }
            else
            {
                safe.Append(XmlConvert.IsXmlChar(value[i]) ? value[i] : '\uFFFD');
            }
        }

        return safe.ToString();
    }

    private sealed record Issue(string Severity, string Code, string Diagnostics, string? Expression);

    private sealed class OutcomeResult(int status, Issue issue) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.StatusCode = status;
            return WriteAsync(httpContext, issue.Severity, issue.Code, issue.Diagnostics, issue.Expression);
        }
    }
}
