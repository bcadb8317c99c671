namespace HealthPlatform.AppHost.Tests.Telemetry;

/// <summary>A span decoded from an OTLP/HTTP protobuf export request.</summary>
/// <param name="TraceId">Lowercase hex trace id (32 characters).</param>
/// <param name="SpanId">Lowercase hex span id (16 characters).</param>
/// <param name="ParentSpanId">Lowercase hex parent span id, or <see langword="null"/> for a root span.</param>
/// <param name="Name">The span name.</param>
/// <param name="Kind">OTLP SpanKind value: 1 internal, 2 server, 3 client, 4 producer, 5 consumer (0 unspecified).</param>
/// <param name="ServiceName">The <c>service.name</c> resource attribute (empty when absent).</param>
/// <param name="Attributes">Scalar span attributes rendered as invariant-culture strings.</param>
public sealed record ReceivedSpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    int Kind,
    string ServiceName,
    IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>OTLP SpanKind: internal.</summary>
    public const int KindInternal = 1;

    /// <summary>OTLP SpanKind: server.</summary>
    public const int KindServer = 2;

    /// <summary>OTLP SpanKind: client.</summary>
    public const int KindClient = 3;

    /// <summary>OTLP SpanKind: producer.</summary>
    public const int KindProducer = 4;

    /// <summary>OTLP SpanKind: consumer.</summary>
    public const int KindConsumer = 5;

    /// <inheritdoc />
    public override string ToString() =>
        $"{ServiceName}/{Name} (kind {Kind}, trace {TraceId}, span {SpanId}, parent {ParentSpanId ?? "-"})";
}
