using System.Globalization;
using System.IO.Compression;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HealthPlatform.AppHost.Tests.Telemetry;

/// <summary>
/// In-process OTLP/HTTP (protobuf) receiver on a random loopback port. Spans posted to
/// <c>/v1/traces</c> are decoded and kept; <c>/v1/metrics</c> and <c>/v1/logs</c> are accepted and ignored.
/// Point exporters at it with <c>OTEL_EXPORTER_OTLP_ENDPOINT=</c><see cref="Endpoint"/> and
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SpanStore _store = new();

    private OtlpTraceReceiver(WebApplication app) => _app = app;

    /// <summary>Base address of the receiver, e.g. <c>http://127.0.0.1:41234</c> (no path).</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Thread-safe snapshot of every span received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedSpan> Spans => _store.Snapshot();

    /// <summary>Starts a receiver bound to <c>http://127.0.0.1:0</c>.</summary>
    public static async Task<OtlpTraceReceiver> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
        });
        var app = builder.Build();
        var receiver = new OtlpTraceReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features
            .GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var port = new Uri(address).Port;
        receiver.Endpoint = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        return receiver;
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds for the received spans and returns that snapshot.
    /// </summary>
    /// <exception cref="TimeoutException">The condition did not hold within <paramref name="timeout"/>.</exception>
    public Task<IReadOnlyList<ReceivedSpan>> WaitForAsync(
        Func<IReadOnlyList<ReceivedSpan>, bool> condition,
        TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return _store.WaitForAsync(condition, timeout, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stopTimeout.Token);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        if (path is not ("/v1/traces" or "/v1/metrics" or "/v1/logs"))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var body = await ReadBodyAsync(request, context.RequestAborted);
        if (path == "/v1/traces")
        {
            try
            {
                _store.Add(OtlpTraceDecoder.Decode(body));
            }
            catch (InvalidProtocolBufferException ex)
            {
                _store.AddError($"{path}: {ex.Message}");
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
        }

        // An empty Export*ServiceResponse serializes to zero bytes.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/x-protobuf";
        context.Response.ContentLength = 0;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var encoding = request.Headers.ContentEncoding.ToString();
        var gzip = encoding.Contains("gzip", StringComparison.OrdinalIgnoreCase);
        await using var source = gzip ? new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true) : null;
        using var buffer = new MemoryStream();
        await (source ?? request.Body).CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
