using Google.Protobuf;

namespace HealthPlatform.AppHost.Tests.Telemetry;

/// <summary>
/// Hand-written decoder for an OTLP <c>ExportTraceServiceRequest</c> (protobuf wire format).
/// Only the fields the tests need are read; every other field is skipped.
/// </summary>
public static class OtlpTraceDecoder
{
    // Tags are (field number << 3) | wire type; 0 = varint, 1 = fixed64, 2 = length-delimited.
    private const uint Field1Bytes = (1 << 3) | 2;
    private const uint Field2Bytes = (2 << 3) | 2;
    private const uint Field4Bytes = (4 << 3) | 2;
    private const uint Field5Bytes = (5 << 3) | 2;
    private const uint Field6Varint = (6 << 3) | 0;
    private const uint Field9Bytes = (9 << 3) | 2;

    /// <summary>Decodes the spans of a serialized <c>ExportTraceServiceRequest</c>.</summary>
    /// <exception cref="InvalidProtocolBufferException">The payload is not valid protobuf.</exception>
    public static IReadOnlyList<ReceivedSpan> Decode(ReadOnlySpan<byte> payload) => Decode(payload.ToArray());

    /// <summary>Decodes the spans of a serialized <c>ExportTraceServiceRequest</c>.</summary>
    /// <exception cref="InvalidProtocolBufferException">The payload is not valid protobuf.</exception>
    public static IReadOnlyList<ReceivedSpan> Decode(byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var spans = new List<ReceivedSpan>();
        var input = new CodedInputStream(payload);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag == Field1Bytes)
            {
                ReadResourceSpans(Nested(input), spans);
            }
            else
            {
                input.SkipLastField();
            }
        }

        return spans;
    }

    private static void ReadResourceSpans(CodedInputStream input, List<ReceivedSpan> spans)
    {
        var serviceName = string.Empty;
        var scopes = new List<CodedInputStream>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case Field1Bytes:
                    var resource = OtlpAttributeReader.ReadAttributeList(Nested(input));
                    serviceName = resource.GetValueOrDefault("service.name", serviceName);
                    break;
                case Field2Bytes:
                    scopes.Add(Nested(input)); // decoded after the resource, whatever the field order
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        foreach (var scope in scopes)
        {
            uint scopeTag;
            while ((scopeTag = scope.ReadTag()) != 0)
            {
                if (scopeTag == Field2Bytes)
                {
                    spans.Add(ReadSpan(Nested(scope), serviceName));
                }
                else
                {
                    scope.SkipLastField();
                }
            }
        }
    }

    private static ReceivedSpan ReadSpan(CodedInputStream input, string serviceName)
    {
        string traceId = string.Empty, spanId = string.Empty, name = string.Empty;
        string? parentSpanId = null;
        var kind = 0;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case Field1Bytes: traceId = Hex(input.ReadBytes()); break;
                case Field2Bytes: spanId = Hex(input.ReadBytes()); break;
                case Field4Bytes: parentSpanId = NullIfEmpty(Hex(input.ReadBytes())); break;
                case Field5Bytes: name = input.ReadString(); break;
                case Field6Varint: kind = input.ReadEnum(); break;
                case Field9Bytes: OtlpAttributeReader.ReadKeyValue(Nested(input), attributes); break;
                default: input.SkipLastField(); break;
            }
        }

        return new ReceivedSpan(traceId, spanId, parentSpanId, name, kind, serviceName, attributes);
    }

    /// <summary>Reads a length-delimited field and returns a reader over just its bytes.</summary>
    internal static CodedInputStream Nested(CodedInputStream input) => new(input.ReadBytes().ToByteArray());

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
