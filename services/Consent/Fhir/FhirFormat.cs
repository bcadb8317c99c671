using System.Text;
using System.Text.Json;
using HealthPlatform.ServiceDefaults.Fhir;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace HealthPlatform.Consent.Fhir;

/// <summary>
/// FHIR's two formats on the Consent routes: bodies are read as the Content-Type says (JSON or
/// XML), strictly — unknown elements, wrong types and bad values are errors, not ignored — and
/// answers are written as <c>_format</c> or Accept asks, JSON when neither does.
/// </summary>
public static class FhirFormat
{
    /// <summary>The largest body accepted (a consent is small; provisions are capped in number).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    private static readonly FhirJsonDeserializer JsonReader = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));
    private static readonly FhirXmlDeserializer XmlReader = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));
    private static readonly JsonSerializerOptions Json = new JsonSerializerOptions().ForFhir();

    /// <summary>Reads the request body as a resource; on failure, the error answer (400, 413 or 415, an OperationOutcome).</summary>
    public static async Task<(Resource? Resource, IResult? Error)> ReadAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var xml = FhirMediaTypes.IsXml(request.ContentType);
        if (!xml && !FhirMediaTypes.IsJson(request.ContentType))
        {
            return (null, OperationOutcomes.Error(StatusCodes.Status415UnsupportedMediaType, "not-supported",
                $"Send the resource as {FhirMediaTypes.Json} or {FhirMediaTypes.Xml}."));
        }

        var body = await ReadBoundedAsync(request);
        if (body is null)
        {
            return (null, OperationOutcomes.Error(StatusCodes.Status413PayloadTooLarge, "too-costly", $"The resource is larger than {MaxBodyBytes / 1024} KiB."));
        }

        var text = Encoding.UTF8.GetString(body);
        try
        {
            var parsed = xml
                ? XmlReader.TryDeserializeResource(text, out var resource, out var issues)
                : JsonReader.TryDeserializeResource(text, out resource, out issues);
            return parsed && resource is not null
                ? (resource, null)
                : (null, NotFhir(string.Join(" ", issues.Take(10).Select(issue => issue.Message))));
        }
        catch (Exception ex) when (ex is JsonException or System.Xml.XmlException or FormatException)
        {
            // Not even well-formed JSON or XML (the deserializer reports FHIR errors, the reader throws on syntax).
            return (null, NotFhir(xml ? "The body is not well-formed XML." : "The body is not well-formed JSON."));
        }
    }

    private static IResult NotFhir(string problems) =>
        OperationOutcomes.Error(StatusCodes.Status400BadRequest, "structure", "The body is not a valid FHIR resource: " + problems);

    /// <summary>The resource in the format the caller asked for.</summary>
    public static IResult Write(HttpContext context, Resource resource, int status = StatusCodes.Status200OK)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(resource);
        context.Response.Headers.Vary = Microsoft.Net.Http.Headers.HeaderNames.Accept;
        return FhirMediaTypes.WantsXml(context.Request)
            ? Results.Text(resource.ToXml(), FhirMediaTypes.Xml, Encoding.UTF8, status)
            : Results.Text(JsonSerializer.Serialize(resource, resource.GetType(), Json), FhirMediaTypes.Json, Encoding.UTF8, status);
    }

    /// <summary>The body, or null when it is longer than <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<byte[]?> ReadBoundedAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
