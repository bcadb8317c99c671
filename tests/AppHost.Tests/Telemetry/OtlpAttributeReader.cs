using System.Globalization;
using Google.Protobuf;

namespace HealthPlatform.AppHost.Tests.Telemetry;

/// <summary>Reads OTLP <c>KeyValue</c>/<c>AnyValue</c> messages into string dictionaries.</summary>
internal static class OtlpAttributeReader
{
    private const uint Field1Bytes = (1 << 3) | 2;
    private const uint Field2Bytes = (2 << 3) | 2;
    private const uint Field2Varint = (2 << 3) | 0;
    private const uint Field3Varint = (3 << 3) | 0;
    private const uint Field4Fixed64 = (4 << 3) | 1;

    /// <summary>Reads a message whose field 1 is <c>repeated KeyValue</c> (Resource).</summary>
    internal static Dictionary<string, string> ReadAttributeList(CodedInputStream input)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag == Field1Bytes)
            {
                ReadKeyValue(OtlpTraceDecoder.Nested(input), attributes);
            }
            else
            {
                input.SkipLastField();
            }
        }

        return attributes;
    }

    internal static void ReadKeyValue(CodedInputStream input, Dictionary<string, string> target)
    {
        string? key = null, value = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case Field1Bytes: key = input.ReadString(); break;
                case Field2Bytes: value = ReadScalarAnyValue(OtlpTraceDecoder.Nested(input)); break;
                default: input.SkipLastField(); break;
            }
        }

        if (key is not null && value is not null)
        {
            target[key] = value;
        }
    }

    /// <summary>AnyValue: string, bool, int64 and double are rendered; arrays, kvlists and bytes yield null.</summary>
    private static string? ReadScalarAnyValue(CodedInputStream input)
    {
        string? value = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case Field1Bytes: value = input.ReadString(); break;
                case Field2Varint: value = input.ReadBool() ? "true" : "false"; break;
                case Field3Varint: value = input.ReadInt64().ToString(CultureInfo.InvariantCulture); break;
                case Field4Fixed64: value = input.ReadDouble().ToString("R", CultureInfo.InvariantCulture); break;
                default: input.SkipLastField(); break;
            }
        }

        return value;
    }
}
