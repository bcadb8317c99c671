using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using HealthPlatform.LocalInfrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace HealthPlatform.Audit.Tests;

/// <summary>A webhook endpoint on loopback that keeps each alert it receives whose signature checks out.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<JsonElement> _alerts = new();

    private WebhookReceiver(WebApplication app, Uri url, string secret)
    {
        _app = app;
        Url = url;
        Secret = secret;
    }

    public Uri Url { get; }

    public string Secret { get; }

    /// <summary>Deliveries refused because the signature was missing or wrong.</summary>
    public int Refused { get; private set; }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var port = FreePort.Next();
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, new Uri($"http://127.0.0.1:{port}/alerts"), secret);
        app.MapPost("/alerts", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body.ToArray()));
            if (context.Request.Headers["X-HealthPlatform-Signature"].ToString() != expected)
            {
                receiver.Refused++;
                return Results.Unauthorized();
            }

            receiver._alerts.Enqueue(JsonDocument.Parse(body.ToArray()).RootElement.Clone());
            return Results.NoContent();
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits (bounded) for an alert matching <paramref name="match"/>.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            if (_alerts.FirstOrDefault(match) is { ValueKind: JsonValueKind.Object } found)
            {
                return found;
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    public IReadOnlyList<JsonElement> Alerts => [.. _alerts];

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
