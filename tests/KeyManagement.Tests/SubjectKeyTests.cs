using System.Net;
using System.Text.Json;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.KeyManagement.Infrastructure;
using HealthPlatform.KeyManagement.Keys;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.Testing;
using Microsoft.EntityFrameworkCore;
using RabbitMQ.Client;

namespace HealthPlatform.KeyManagement.Tests;

/// <summary>
/// One key per patient, held here and handed only to the key's own callers; destroyed
/// (crypto-shredding), it is gone for good — bytes overwritten, a tombstone kept, never recreated —
/// and <c>SubjectKeyDestroyed</c> goes out to every cache.
/// </summary>
[Collection(KeyManagementInfrastructure.Name)]
public sealed class SubjectKeyTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime
{
    private readonly AuditQueueProbe _audit = new(broker);
    private KeyManagementHost _host = null!;

    public async Task InitializeAsync() => _host = await KeyManagementHost.StartAsync(postgres, redis, broker);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task APatientsKey_IsTheSameEachTime_DiffersPerPatient_AndOnlyItsCallersGetIt()
    {
        await _audit.PurgeAsync();
        var first = await KeyOfAsync("pat-1");
        var again = await KeyOfAsync("pat-1");
        var other = await KeyOfAsync("pat-2");
        using var stranger = await _host.PostAsync(ResourceNames.Consent, "/keys/records-phi/subjects/pat-1", new { });
        using var badSubject = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/subjects/pat%2F..", new { });

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Equal(HttpStatusCode.Forbidden, stranger.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badSubject.StatusCode);
        var audited = await _audit.WaitForAsync<KeyOperationPerformed>(e => e.Operation == KeyOperation.GetSubjectKey && e.Outcome == AuditOutcome.Success);
        Assert.Equal(("records-phi", "pat-1"), (audited.KeyName, audited.SubjectId));
    }

    [Fact]
    public async Task ADestroyedPatientKey_IsGoneForGood_AndEveryCacheIsTold()
    {
        await KeyOfAsync("pat-shred");
        using var connection = await new ConnectionFactory { Uri = new Uri(broker.ConnectionString) }.CreateConnectionAsync();
        using var channel = await connection.CreateChannelAsync();
        const string Exchange = "HealthPlatform.Contracts.KeyManagement:SubjectKeyDestroyed";
        await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true);
        var queue = (await channel.QueueDeclareAsync(exclusive: true)).QueueName;
        await channel.QueueBindAsync(queue, Exchange, routingKey: string.Empty);

        Assert.True(await _host.Services.GetRequiredService<SubjectKeys>().DestroyAsync("records-phi", "pat-shred", "sec-officer-1", CancellationToken.None));
        using var afterwards = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/subjects/pat-shred", new { });

        Assert.Equal(HttpStatusCode.Gone, afterwards.StatusCode);
        Assert.Equal("subject-key-destroyed", JsonDocument.Parse(await afterwards.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        await using var scope = _host.Services.CreateAsyncScope();
        var row = await scope.ServiceProvider.GetRequiredService<KeyManagementDbContext>().SubjectKeys.AsNoTracking().SingleAsync(key => key.SubjectId == "pat-shred");
        Assert.Null(row.WrappedKey);
        Assert.Equal("sec-officer-1", row.DestroyedBy);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        BasicGetResult? message;
        while ((message = await channel.BasicGetAsync(queue, autoAck: true)) is null)
        {
            await Task.Delay(50, deadline.Token);
        }

        Assert.Contains("pat-shred", System.Text.Encoding.UTF8.GetString(message.Body.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APatientWhoseKeyWasDestroyedBeforeEverBeingUsed_NeverGetsOne()
    {
        Assert.False(await _host.Services.GetRequiredService<SubjectKeys>().DestroyAsync("records-phi", "pat-never", "sec-officer-1", CancellationToken.None));

        using var refused = await _host.PostAsync(ResourceNames.Records, "/keys/records-phi/subjects/pat-never", new { });

        Assert.Equal(HttpStatusCode.Gone, refused.StatusCode);
    }

    private async Task<string> KeyOfAsync(string subject)
    {
        using var response = await _host.PostAsync(ResourceNames.Records, $"/keys/records-phi/subjects/{subject}", new { });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("plaintext_key").GetString()!;
    }
}
