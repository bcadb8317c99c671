using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using HealthPlatform.Audit.Extensions;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.KeyManagement.Tests;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Npgsql;

namespace HealthPlatform.Audit.Tests;

/// <summary>Postgres, Redis and RabbitMQ for the audit tests.</summary>
[CollectionDefinition(Name)]
public sealed class AuditInfrastructure : ICollectionFixture<PostgresServerFixture>, ICollectionFixture<RedisServerFixture>, ICollectionFixture<RabbitMqServerFixture>
{
    public const string Name = "audit";
}

/// <summary>
/// The audit service as it runs: its database with the append-only runtime role and a separate
/// owner, the broker, the real key-management service signing its checkpoints (sharing that
/// service's PKI and token issuer), its public listener.
/// </summary>
public sealed class AuditHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AuditHost(WebApplication app, ServiceHost service, KeyManagementHost keys, ServiceDatabase database, CapturedLogs logs)
    {
        _app = app;
        Service = service;
        Keys = keys;
        Database = database;
        Logs = logs;
    }

    public ServiceHost Service { get; }

    public KeyManagementHost Keys { get; }

    public ServiceDatabase Database { get; }

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The audit producer inside the service: events sent with it travel the broker like any producer's.</summary>
    public IAuditTrail Trail => _app.Services.GetRequiredService<IAuditTrail>();

    /// <param name="withOwner">Give the process the schema owner's connection too (so it migrates itself), as the AppHost does.</param>
    public static async Task<AuditHost> StartAsync(
        KeyManagementHost keys, ServiceDatabase database, RedisServerFixture redis, RabbitMqServerFixture broker, IDictionary<string, string?>? settings = null,
        bool withOwner = true, bool waitUntilHealthy = true)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(broker);

        // A test workaround, once: one more process when the first one's bus never came up. MassTransit 8.5 on
        // RabbitMQ.Client 7 wedged a receive transport at start-up once in CI ("ObjectDisposedException on channel",
        // retried on the same broken connection for the whole minute). In a deployment such a pod stays not ready
        // (liveness checks only the process) until someone restarts it; the README says so under health.
        try
        {
            return await StartOnceAsync(keys, database, redis, broker, settings, withOwner, waitUntilHealthy);
        }
        catch (MessagingNeverReadyException first)
        {
            try
            {
                return await StartOnceAsync(keys, database, redis, broker, settings, withOwner, waitUntilHealthy);
            }
            catch (TimeoutException second)
            {
                throw new TimeoutException($"{second.Message}\nThe first process before it: {first.Message}", second);
            }
        }
    }

    private static async Task<AuditHost> StartOnceAsync(
        KeyManagementHost keys, ServiceDatabase database, RedisServerFixture redis, RabbitMqServerFixture broker, IDictionary<string, string?>? settings,
        bool withOwner, bool waitUntilHealthy)
    {
        var service = new ServiceHost(keys.Pki, ResourceNames.Audit);
        var configuration = new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ResourceNames.AuditDatabase}"] = database.Runtime,
            [$"ConnectionStrings:{Extensions.Extensions.OwnerConnectionName}"] = withOwner ? database.Owner : null,
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["ConnectionStrings:messaging"] = broker.ConnectionString,
            [$"services:{ResourceNames.KeyManagement}:internal:0"] = keys.Service.Internal.AbsoluteUri,
            ["TokenValidation:Authority"] = keys.Tokens.Issuer.AbsoluteUri,
            [$"services:{ResourceNames.Identity}:internal:0"] = keys.Tokens.Issuer.AbsoluteUri,
            ["Revocations:ResynchronizeInterval"] = "00:00:01",
            ["AuditLog:CheckpointInterval"] = "00:00:01",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = service.CreateBuilder(configuration);
        var logs = new CapturedLogs();
        builder.Logging.AddProvider(logs);
        builder.AddAuditServices();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapAuditEndpoints();
        await app.StartAsync();
        using var client = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (waitUntilHealthy)
        {
            using var health = await client.GetAsync(new Uri(service.Management, "/health"));
            if (health.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                var report = await health.Content.ReadAsStringAsync();
                await app.StopAsync();
                await app.DisposeAsync();
                var message = $"The audit service did not become ready: {report}\n{string.Join("\n", logs.Lines.Where(line => line.StartsWith("Warning", StringComparison.Ordinal) || line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal)).Take(20))}";
                throw MessagingUnready(report) ? new MessagingNeverReadyException(message) : new TimeoutException(message);
            }

            await Task.Delay(100);
        }

        return new AuditHost(app, service, keys, database, logs);
    }

    /// <summary>A token for this API (audience <c>audit</c>) with <paramref name="claims"/>.</summary>
    public string Token(IDictionary<string, object> claims) => Keys.Tokens.Mint(audience: ResourceNames.Audit, claims: claims);

    /// <summary>A security officer signed in with a second factor, with the system-wide AuditEvent read scope.</summary>
    public string OfficerToken(string scope = "user/AuditEvent.rs", string role = "security-officer", string[]? amr = null) => Token(new Dictionary<string, object>
    {
        ["sub"] = "sec.sally",
        ["client_id"] = "admin-console",
        ["scope"] = scope,
        ["role"] = role,
        ["amr"] = amr ?? ["pwd", "otp", "mfa"],
    });

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? accessToken)
    {
        using var client = Keys.Pki.CreateClient();
        using var request = new HttpRequestMessage(method, new Uri(Service.Public, path));
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    public Task<string> HealthOfAsync(string check) => Service.HealthOfAsync(check);

    /// <summary>
    /// A MassTransit envelope around a <c>PatientDataAccessed</c>, written by hand (as JSON, enums as
    /// numbers), so that tests can make it wrong and benchmarks can publish without a bus.
    /// </summary>
    public static byte[] Envelope(Guid eventId, string patientId = "patient-1", string userId = "practitioner-7", int schemaVersion = 1, string? padding = null)
    {
        var message = new Dictionary<string, object?>
        {
            ["header"] = new { eventId, occurredAt = DateTimeOffset.UtcNow, source = "records" },
            ["schemaVersion"] = schemaVersion,
            ["actor"] = new { userId, clientId = "ehr-app", roles = new[] { "physician" }, networkAddress = "127.0.0.1" },
            ["action"] = (int)AuditAction.Read,
            ["resourceType"] = "Observation",
            ["resourceIds"] = new[] { "obs-1" },
            ["patientId"] = patientId,
            ["outcome"] = (int)AuditOutcome.Success,
            ["purposeOfUse"] = (int)PurposeOfUse.Treatment,
        };
        if (padding is not null)
        {
            message["padding"] = padding;
        }

        return System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["messageId"] = eventId,
            ["messageType"] = new[] { $"urn:message:{typeof(PatientDataAccessed).Namespace}:{nameof(PatientDataAccessed)}" },
            ["message"] = message,
        });
    }

    /// <summary>Puts <paramref name="body"/> on <paramref name="queue"/> as a persistent MassTransit message (no bus needed).</summary>
    public static async Task PublishRawAsync(RabbitMQ.Client.IChannel channel, byte[] body, string queue = AuditEventTypes.QueueName)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var properties = new RabbitMQ.Client.BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true, MessageId = Guid.NewGuid().ToString() };
        await channel.BasicPublishAsync(string.Empty, queue, mandatory: false, properties, body);
    }

    /// <summary>A well-formed access to <paramref name="patientId"/>'s data by <paramref name="userId"/>.</summary>
    public PatientDataAccessed Access(string patientId, string userId = "practitioner-7") => new()
    {
        Header = Trail.NewHeader(),
        Actor = new AuditActor { UserId = userId, ClientId = "ehr-app", Roles = ["physician"], NetworkAddress = "127.0.0.1" },
        Action = AuditAction.Read,
        ResourceType = "Observation",
        ResourceIds = ["obs-1"],
        PatientId = patientId,
        Outcome = AuditOutcome.Success,
        PurposeOfUse = PurposeOfUse.Treatment,
    };

    /// <summary>Waits (bounded) until every one of <paramref name="eventIds"/> is stored; returns how many rows hold them.</summary>
    public async Task<long> WaitForEventsAsync(IReadOnlyCollection<Guid> eventIds, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var rows = await QueryAsync<long>("SELECT count(*) FROM audit_entries WHERE event_id = ANY(@ids)", ("ids", eventIds.ToArray()));
            if (rows >= eventIds.Count)
            {
                return rows;
            }

            if (deadline.IsCancellationRequested)
            {
                var outbox = await QueryAsync<long>("SELECT count(*) FROM audit_outbox");
                throw new TimeoutException($"{rows} of {eventIds.Count} events stored; {outbox} still in the outbox.\n{string.Join("\n", Logs.Lines.Where(line => !line.StartsWith("Information", StringComparison.Ordinal) && !line.StartsWith("Debug", StringComparison.Ordinal) && !line.StartsWith("Trace", StringComparison.Ordinal)).TakeLast(30))}");
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>Waits (bounded) until a checkpoint covers entry <paramref name="sequence"/>.</summary>
    public async Task WaitForCheckpointAsync(long sequence)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await QueryAsync<long>("SELECT coalesce(max(sequence), 0) FROM audit_checkpoints") < sequence)
        {
            await Task.Delay(100, deadline.Token);
        }
    }

    /// <summary>One value, read with full access (not through the service).</summary>
    public async Task<T> QueryAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database.Superuser);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Entries stored, counted with full access (not through the service).</summary>
    public async Task<long> CountAsync()
    {
        await using var connection = new NpgsqlConnection(Database.Superuser);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM audit_entries", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>Waits (bounded) until at least <paramref name="count"/> entries are stored; returns how many are.</summary>
    public async Task<long> WaitForEntriesAsync(long count, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        long stored;
        while ((stored = await CountAsync()) < count)
        {
            await Task.Delay(100, deadline.Token);
        }

        return stored;
    }

    /// <summary>Runs <paramref name="sql"/> as a superuser with triggers off: an attacker with full control of the database.</summary>
    public async Task TamperAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database.Superuser);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var replica = new NpgsqlCommand("SET LOCAL session_replication_role = replica", connection, transaction))
        {
            await replica.ExecuteNonQueryAsync();
        }

        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private static bool MessagingUnready(string report)
    {
        using var document = JsonDocument.Parse(report);
        return document.RootElement.TryGetProperty("checks", out var checks)
            && checks.TryGetProperty("messaging", out var messaging)
            && messaging.GetProperty("status").GetString() != "Healthy";
    }

    /// <summary>The service's bus never became ready: the one start-up failure worth a second process.</summary>
    private sealed class MessagingNeverReadyException(string message) : TimeoutException(message);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
