using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace HealthPlatform.ServiceDefaults.Fhir;

/// <summary>
/// FHIR R4 <c>OperationOutcome</c>s: every error on a FHIR route (<c>/fhir/…</c>) is one, whoever
/// answers it — a route's own validation, authentication (401), authorization (403), the rate
/// limiter (429), Kestrel's size limit (413), an unmatched route (404) or an exception (500).
/// </summary>
public static class OperationOutcomes
{
    public const string FhirJson = "application/fhir+json";

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
        new OutcomeResult(status, Serialize("error", code, diagnostics, expression));

    /// <summary>A 400 for a bad search or request parameter, naming it.</summary>
    public static IResult InvalidParameter(string parameter, string diagnostics) =>
        Error(StatusCodes.Status400BadRequest, "invalid", diagnostics, parameter);

    /// <summary>The OperationOutcome JSON (one issue).</summary>
    public static byte[] Serialize(string severity, string code, string diagnostics, string? expression = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("resourceType", "OperationOutcome");
            json.WriteStartArray("issue");
            json.WriteStartObject();
            json.WriteString("severity", severity);
            json.WriteString("code", code);
            json.WriteString("diagnostics", diagnostics);
            if (expression is not null)
            {
                json.WriteStartArray("expression");
                json.WriteStringValue(expression);
                json.WriteEndArray();
            }

            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private sealed class OutcomeResult(int status, byte[] body) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = FhirJson;
            await httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted);
        }
    }
}
