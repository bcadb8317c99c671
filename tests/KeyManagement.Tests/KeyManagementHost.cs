using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using HealthPlatform.KeyManagement.Extensions;
using HealthPlatform.KeyManagement.Keys;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;

namespace HealthPlatform.KeyManagement.Tests;

/// <summary>Postgres, Redis and RabbitMQ for the key-management tests.</summary>
[CollectionDefinition(Name)]
public sealed class KeyManagementInfrastructure : ICollectionFixture<PostgresServerFixture>, ICollectionFixture<RedisServerFixture>, ICollectionFixture<RabbitMqServerFixture>
{
    public const string Name = "key-management";
}

/// <summary>
/// The key-management service as it runs — its database, the broker, its internal mTLS listener
/// — with the key policy of its appsettings.json, and callers that present the platform
/// certificates of records, consent or audit.
/// </summary>
public sealed class KeyManagementHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KeyManagementHost(TestPki pki, ServiceHost service, WebApplication app, string rootKey, TestTokenIssuer tokens, CapturedLogs logs)
    {
        Logs = logs;
        Pki = pki;
        Service = service;
        _app = app;
        RootKey = rootKey;
        Tokens = tokens;
    }

    /// <summary>The authorization server whose tokens the service accepts (a test signing key; also serves the revocation list).</summary>
    public TestTokenIssuer Tokens { get; }

    /// <summary>Every line the service logged.</summary>
    public CapturedLogs Logs { get; }

    public TestPki Pki { get; }

    public ServiceHost Service { get; }

    public string RootKey { get; }

    public string Database { get; private init; } = "";

    /// <summary>The tombstone journal (outside the database, shared with replicas).</summary>
    public string Journal { get; private init; } = "";

    private bool OwnsJournal { get; init; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts an instance on a new database — or, as a second replica, on <paramref name="replicaOf"/>'s database with its root key.</summary>
    public static async Task<KeyManagementHost> StartAsync(
        PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker, KeyManagementHost? replicaOf = null,
        IDictionary<string, string?>? settings = null, TimeProvider? time = null, bool waitUntilHealthy = true)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(broker);
        var pki = new TestPki(ResourceNames.KeyManagement, ResourceNames.Records, ResourceNames.Consent, ResourceNames.Audit, ResourceNames.Identity, KeyAdministrationEndpoints.OperatorIdentity);
        var tokens = await TestTokenIssuer.StartAsync(pki);
        var service = new ServiceHost(pki, ResourceNames.KeyManagement);
        var rootKey = replicaOf?.RootKey ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var configuration = new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ResourceNames.KeyManagementDatabase}"] = replicaOf?.Database ?? await postgres.CreateDatabaseAsync(),
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["ConnectionStrings:messaging"] = broker.ConnectionString,
            ["KeyManagement:RootKey"] = rootKey,
            ["KeyManagement:TombstoneJournal"] = replicaOf?.Journal ?? Path.Combine(Path.GetTempPath(), $"hp-tombstones-{Guid.NewGuid():N}.jsonl"),
            ["TokenValidation:Authority"] = tokens.Issuer.AbsoluteUri,
            [$"services:{ResourceNames.Identity}:internal:0"] = tokens.Issuer.AbsoluteUri,
            ["Revocations:ResynchronizeInterval"] = "00:00:01",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = service.CreateBuilder(configuration);
        var logs = new CapturedLogs();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Logging.AddProvider(logs);
        builder.AddKeyManagementServices();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapKeyManagementEndpoints();
        await app.StartAsync();
        using var client = new HttpClient();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (waitUntilHealthy && (await client.GetAsync(new Uri(service.Management, "/health"), deadline.Token)).StatusCode != HttpStatusCode.OK)
        {
            await Task.Delay(100, deadline.Token);
        }

        return new KeyManagementHost(pki, service, app, rootKey, tokens, logs) {
            Database = configuration[$"ConnectionStrings:{ResourceNames.KeyManagementDatabase}"]!,
            Journal = configuration["KeyManagement:TombstoneJournal"]!,
            OwnsJournal = replicaOf is null,
        };
    }

    /// <summary>Posts <paramref name="body"/> to <paramref name="path"/> on the internal listener as <paramref name="caller"/> (a platform identity).</summary>
    public async Task<HttpResponseMessage> PostAsync(string caller, string path, object? body)
    {
        using var client = Pki.CreateClient(Pki.Certificate(caller));
        var response = await client.PostAsJsonAsync(new Uri(Service.Internal, path), body);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>Posts as <paramref name="caller"/> with <paramref name="accessToken"/> as a bearer token (administrative routes).</summary>
    public async Task<HttpResponseMessage> PostAsync(string caller, string path, object? body, string? accessToken)
    {
        using var client = Pki.CreateClient(Pki.Certificate(caller));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Service.Internal, path)) { Content = JsonContent.Create(body) };
        if (accessToken is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        }

        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    public async Task<HttpResponseMessage> GetAsync(string caller, string path)
    {
        using var client = Pki.CreateClient(Pki.Certificate(caller));
        var response = await client.GetAsync(new Uri(Service.Internal, path));
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Tokens.DisposeAsync();
        Pki.Dispose();
        if (OwnsJournal)
        {
            File.Delete(Journal);
        }
    }
}
