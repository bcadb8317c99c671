using System.Diagnostics;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using HealthPlatform.AppHost.Tests.Telemetry;
using HealthPlatform.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HealthPlatform.AppHost.Tests.Platform;

[Collection(PlatformGroup.Name)]
public sealed class PlatformTests(PlatformFixture fixture) : IDisposable
{
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(90);

    private static readonly Dictionary<string, string> Databases = new()
    {
        [ResourceNames.Identity] = ResourceNames.IdentityDatabase,
        [ResourceNames.Records] = ResourceNames.RecordsDatabase,
        [ResourceNames.Consent] = ResourceNames.ConsentDatabase,
        [ResourceNames.KeyManagement] = ResourceNames.KeyManagementDatabase,
        [ResourceNames.Audit] = ResourceNames.AuditDatabase,
    };

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Health_OfEveryService_NamesItsDatabaseRedisAndRabbitMqAsHealthy()
    {
        foreach (var service in PlatformApp.Services)
        {
            var report = await Eventually.MatchAsync(
                ct => HealthReport.ReadAsync(_http, fixture.Platform.ManagementEndpoint(service), ct),
                r => r.StatusCode == HttpStatusCode.OK,
                HealthTimeout,
                $"{service} to be healthy");

            Assert.Equal(HttpStatusCode.OK, report.StatusCode);
            Assert.Equal("Healthy", report.Status);
            Assert.Equal("Healthy", report.Checks[Databases[service]]);
            Assert.Equal("Healthy", report.Checks[ResourceNames.Redis]);
            Assert.Equal("Healthy", report.Checks[ResourceNames.Messaging]);
        }
    }

    [Theory]
    [InlineData(ResourceNames.AuditDatabase)]
    [InlineData("postgres")]
    [InlineData("template1")]
    public async Task DatabaseRole_OfOneService_CannotConnectToAnyOtherDatabase(string otherDatabase)
    {
        var own = await fixture.Platform.App.GetConnectionStringAsync(ResourceNames.RecordsDatabase);
        await using (var ownConnection = new NpgsqlConnection(own))
        {
            await ownConnection.OpenAsync();
        }

        var elsewhere = new NpgsqlConnectionStringBuilder(own) { Database = otherDatabase, Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(elsewhere);
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task Health_WhenRedisStops_IsUnhealthyNamingRedis_AndRecoversWhenItRestarts()
    {
        var commands = fixture.Platform.App.Services.GetRequiredService<ResourceCommandService>();

        using var timeout = new CancellationTokenSource(HealthTimeout);
        var stopped = await commands.ExecuteCommandAsync(ResourceNames.Redis, KnownResourceCommands.StopCommand, timeout.Token);
        Assert.True(stopped.Success, stopped.Message);
        try
        {
            foreach (var service in PlatformApp.Services)
            {
                var report = await Eventually.MatchAsync(
                    ct => HealthReport.ReadAsync(_http, fixture.Platform.ManagementEndpoint(service), ct),
                    r => r.Status == "Unhealthy",
                    HealthTimeout,
                    $"{service} to report Redis down");

                Assert.Equal(HttpStatusCode.ServiceUnavailable, report.StatusCode);
                Assert.Equal("Unhealthy", report.Checks[ResourceNames.Redis]);
                Assert.Equal("Healthy", report.Checks[Databases[service]]);
                Assert.Equal("Healthy", report.Checks[ResourceNames.Messaging]);
            }
        }
        finally
        {
            var started = await commands.ExecuteCommandAsync(ResourceNames.Redis, KnownResourceCommands.StartCommand, timeout.Token);
            Assert.True(started.Success, started.Message);
        }

        foreach (var service in PlatformApp.Services)
        {
            var report = await Eventually.MatchAsync(
                ct => HealthReport.ReadAsync(_http, fixture.Platform.ManagementEndpoint(service), ct),
                r => r.Status == "Healthy",
                HealthTimeout,
                $"{service} to recover after Redis restarts");
            Assert.Equal("Healthy", report.Checks[ResourceNames.Redis]);
        }
    }

    [Fact]
    public async Task Trace_FromHttpCall_FollowsThePublishedMessageIntoTheAuditService()
    {
        var records = fixture.Platform.ManagementEndpoint(ResourceNames.Records);

        // Start the trace here, as a calling client would, so its spans can be told from all others.
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var callerSpanId = ActivitySpanId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(records, "/diagnostics/messaging-probe"));
        request.Headers.Add("traceparent", $"00-{traceId}-{callerSpanId}-01");
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        // Each service exports in its own batches, and a consumer's receive span ends (and is exported)
        // after the process span inside it: wait until all three parts are in and every consumer
        // span's chain of parents is complete, up to a span of another trace part or the root.
        var spans = await fixture.Telemetry.WaitForAsync(
            all => all.Any(s => s.TraceId == traceId && s.ServiceName == ResourceNames.Records && s.Kind == ReceivedSpan.KindServer)
                && all.Any(s => s.TraceId == traceId && s.ServiceName == ResourceNames.Records && s.Kind == ReceivedSpan.KindProducer)
                && all.Any(s => s.TraceId == traceId && s.ServiceName == ResourceNames.Audit && s.Kind == ReceivedSpan.KindConsumer)
                && all.Where(s => s.TraceId == traceId && s.ServiceName == ResourceNames.Audit && s.Kind == ReceivedSpan.KindConsumer)
                    .All(consumer => ParentsArrived(consumer, [.. all.Where(s => s.TraceId == traceId)], callerSpanId)),
            TimeSpan.FromSeconds(60));
        var trace = spans.Where(s => s.TraceId == traceId).ToList();

        var server = Assert.Single(trace, s => s.ServiceName == ResourceNames.Records && s.Kind == ReceivedSpan.KindServer);
        var publish = Assert.Single(trace, s => s.ServiceName == ResourceNames.Records && s.Kind == ReceivedSpan.KindProducer);
        var consumed = trace.Where(s => s.ServiceName == ResourceNames.Audit && s.Kind == ReceivedSpan.KindConsumer).ToList();
        Assert.Equal(callerSpanId, server.ParentSpanId);
        Assert.Equal(server.SpanId, publish.ParentSpanId);
        Assert.NotEmpty(consumed);
        Assert.All(consumed, consume => Assert.True(
            IsDescendant(consume, publish, trace), $"{consume} does not descend from the publish span: {string.Join("; ", trace)}"));
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Whether every parent of <paramref name="span"/> up to the caller's span has been received.</summary>
    private static bool ParentsArrived(ReceivedSpan span, IReadOnlyList<ReceivedSpan> trace, string callerSpanId)
    {
        for (var current = span; current.ParentSpanId is { } parent && parent != callerSpanId;)
        {
            if (trace.FirstOrDefault(s => s.SpanId == parent) is not { } next)
            {
                return false;
            }

            current = next;
        }

        return true;
    }

    private static bool IsDescendant(ReceivedSpan span, ReceivedSpan ancestor, IReadOnlyList<ReceivedSpan> trace)
    {
        for (var current = span; current.ParentSpanId is { } parent;)
        {
            if (parent == ancestor.SpanId)
            {
                return true;
            }

            var next = trace.FirstOrDefault(s => s.SpanId == parent);
            if (next is null)
            {
                return false;
            }

            current = next;
        }

        return false;
    }
}
