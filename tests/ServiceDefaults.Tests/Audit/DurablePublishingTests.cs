using System.Collections.Concurrent;
using System.Diagnostics;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Messaging;
using HealthPlatform.Testing;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace HealthPlatform.ServiceDefaults.Tests.Audit;

/// <summary>
/// Audit events against a real RabbitMQ and Postgres: kept before any consumer exists, refused
/// loudly when the broker cannot confirm, and kept in the outbox until it can.
/// </summary>
[Collection(AuditInfrastructure.Name)]
public sealed class DurablePublishingTests(RabbitMqServerFixture broker, PostgresServerFixture postgres) : IAsyncLifetime, IDisposable
{
    private readonly TestPki _pki = new("records");
    private readonly AuditQueueProbe _queue = new(broker);

    public async Task InitializeAsync() => await DeleteQueueAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task EventsSentBeforeAnyConsumerExists_AreAllKept_AndAConsumerStartedLaterReceivesExactlyThem()
    {
        const int count = 25;
        Assert.Null(await _queue.CountAsync());
        var sent = new HashSet<Guid>();
        await using (var service = await AuditedService.StartAsync(_pki, broker))
        {
            for (var i = 0; i < count; i++)
            {
                var access = service.Access($"patient-{i}");
                await service.Trail.RecordAsync(access);
                sent.Add(access.Header.EventId);
            }
        }

        Assert.Equal((uint)count, await _queue.CountAsync());

        var received = await ConsumeAsync(count);

        Assert.Equal(count, received.Count);
        Assert.Equal(sent, received.ToHashSet());
    }

    [Fact]
    public async Task RecordAsync_WhenTheQueueWasDeletedAfterDeclaring_FailsInsteadOfLosingTheEvent()
    {
        await using var service = await AuditedService.StartAsync(_pki, broker);
        await service.Trail.RecordAsync(service.Access("patient-1"));
        await DeleteQueueAsync();

        // The exchange is still there, bound to nothing: only the mandatory flag makes the broker say so.
        await Assert.ThrowsAsync<AuditUnavailableException>(() => service.Trail.RecordAsync(service.Access("patient-2")));

        // The producer declares the queue again, and events are kept from then on.
        await service.Trail.RecordAsync(service.Access("patient-3"));
        var kept = await _queue.DrainWhenAsync(1);
        Assert.Equal("patient-3", Assert.IsType<PatientDataAccessed>(Assert.Single(kept).Event).PatientId);
    }

    [Fact]
    public async Task BrokerDown_RecordFailsWithinTheBound_AndTheOutboxDeliversEveryCommittedEventOnceItReturns()
    {
        const int count = 20;

        // The production bound: long enough that a confirm after the broker's restart is not cut short (and then sent again).
        var confirmTimeout = TimeSpan.FromSeconds(5);
        await using var service = await AuditedService.StartAsync(
            _pki, broker, await postgres.CreateDatabaseAsync(), settings: new Dictionary<string, string?> { ["Audit:ConfirmTimeout"] = "00:00:05" });
        await service.Trail.RecordAsync(service.Access("patient-before"));
        await _queue.DrainAsync();

        await broker.StopAsync();
        var brokerDown = true;
        try
        {
            var clock = Stopwatch.StartNew();
            var unconfirmed = service.Access("patient-down");
            var failure = await Assert.ThrowsAsync<AuditUnavailableException>(() => service.Trail.RecordAsync(unconfirmed));
            clock.Stop();
            Assert.Contains(nameof(PatientDataAccessed), failure.Message, StringComparison.Ordinal);
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, confirmTimeout + TimeSpan.FromSeconds(2));

            // A refused request meanwhile: its security event cannot be confirmed either, and waits in the outbox.
            using (var anonymous = _pki.CreateClient())
            {
                Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri(service.Host.Public, "/prescriptions"))).StatusCode);
            }

            await Eventually(async () => await OutboxCountAsync(service) == 1);

            var committed = new HashSet<Guid>();
            for (var i = 0; i < count; i++)
            {
                await using var scope = service.App.Services.CreateAsyncScope();
                var database = scope.ServiceProvider.GetRequiredService<PrescriptionsDbContext>();
                var patientId = $"patient-{i}";
                database.Prescriptions.Add(new Prescription { Id = Guid.NewGuid(), PatientId = patientId });
                var access = service.Access(patientId) with { Action = AuditAction.Create };
                service.Trail.Enqueue(database, access);
                await database.SaveChangesAsync();
                committed.Add(access.Header.EventId);
            }

            Assert.Equal(count + 1, await OutboxCountAsync(service));
            await Eventually(async () => await service.HealthOfAsync(AuditExtensions.OutboxHealthCheckName) == "Degraded");

            await broker.StartAsync();
            brokerDown = false;
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            while (await OutboxCountAsync(service) > 0)
            {
                await Task.Delay(200, deadline.Token);
            }

            // At least once: a confirm that comes back after the bound is sent again under the same
            // message id (the event id), which the audit service stores once. So ids are compared, not counts.
            var delivered = await _queue.DrainWhenAsync(count + 1);
            Assert.All(delivered, message => Assert.Equal(message.Event.Header.EventId, message.MessageId));
            var denials = delivered.Where(message => message.Event is SecurityEventRecorded).DistinctBy(message => message.MessageId).ToList();
            var denial = Assert.Single(denials);
            Assert.Equal(SecurityEventKind.RequestUnauthenticated, ((SecurityEventRecorded)denial.Event).Kind);
            var accesses = delivered.Where(message => message.Event is not SecurityEventRecorded).Select(message => message.Event.Header.EventId).ToHashSet();
            Assert.Superset(committed, accesses);

            // The one a caller was told failed may still arrive (unconfirmed is not unsent); nothing else may.
            accesses.ExceptWith(committed);
            Assert.True(accesses.Count == 0 || accesses.SetEquals([unconfirmed.Header.EventId]), "an event that was never committed arrived");
            Assert.Equal("Healthy", await service.HealthOfAsync(AuditExtensions.OutboxHealthCheckName));
        }
        finally
        {
            if (brokerDown)
            {
                await broker.StartAsync();
            }
        }
    }

    [Fact]
    public async Task Relay_KeepsRowsItCannotRead_AndSendsTheRowsBehindThem()
    {
        await using var service = await AuditedService.StartAsync(
            _pki, broker, await postgres.CreateDatabaseAsync(), settings: new Dictionary<string, string?> { ["Audit:OutboxBatchSize"] = "2" });
        await using (var scope = service.App.Services.CreateAsyncScope())
        {
            var database = scope.ServiceProvider.GetRequiredService<PrescriptionsDbContext>();
            await database.Database.ExecuteSqlRawAsync("""
                INSERT INTO audit_outbox (event_id, event_type, payload, created_at) VALUES
                  (gen_random_uuid(), 'EventFromANewerRelease', '{{}}', now()),
                  (gen_random_uuid(), 'PatientDataAccessed', '{{"header": 42}}', now())
                """);
            var access = service.Access("patient-1");
            service.Trail.Enqueue(database, access);
            await database.SaveChangesAsync();
        }

        var delivered = await _queue.DrainWhenAsync(1);

        Assert.Equal("patient-1", Assert.IsType<PatientDataAccessed>(Assert.Single(delivered).Event).PatientId);
        await Eventually(async () => await OutboxCountAsync(service) == 2);
        await Eventually(async () => await service.HealthOfAsync(AuditExtensions.OutboxHealthCheckName) == "Degraded");
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            await Task.Delay(200, deadline.Token);
        }
    }

    private static async Task<int> OutboxCountAsync(AuditedService service)
    {
        await using var scope = service.App.Services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<PrescriptionsDbContext>();
        return await database.Set<ServiceDefaults.Audit.Outbox.AuditOutboxMessage>().CountAsync();
    }

    /// <summary>Starts a MassTransit consumer on the audit queue (as the audit service will) and collects event ids until the queue is empty.</summary>
    private async Task<IReadOnlyCollection<Guid>> ConsumeAsync(int expected)
    {
        var received = new ConcurrentQueue<Guid>();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(received);
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddConsumer<CountingConsumer>();
            bus.UsingRabbitMq((context, rabbit) =>
            {
                broker.ConfigureHost(rabbit);
                rabbit.ReceiveEndpoint(AuditEventTypes.QueueName, endpoint =>
                {
                    endpoint.ConfigureConsumeTopology = false;
                    endpoint.ConfigureConsumer<CountingConsumer>(context);
                });
            });
        });

        using var consumer = builder.Build();
        await consumer.StartAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (received.Count < expected || await _queue.CountAsync() != 0)
        {
            await Task.Delay(100, deadline.Token);
        }

        await consumer.StopAsync();
        return [.. received];
    }

    private async Task DeleteQueueAsync()
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(broker.ConnectionString) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(AuditEventTypes.QueueName);
    }

    private sealed class CountingConsumer(ConcurrentQueue<Guid> received) : IConsumer<PatientDataAccessed>
    {
        public Task Consume(ConsumeContext<PatientDataAccessed> context)
        {
            received.Enqueue(context.Message.Header.EventId);
            return Task.CompletedTask;
        }
    }
}
