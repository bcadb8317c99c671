using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using HealthPlatform.Consent.Extensions;
using HealthPlatform.Consent.Fhir;
using HealthPlatform.KeyManagement.Tests;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.Testing;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Builder;
using Npgsql;
using FhirConsent = Hl7.Fhir.Model.Consent;

namespace HealthPlatform.Consent.Tests;

/// <summary>Postgres, Redis and RabbitMQ for the consent tests.</summary>
[CollectionDefinition(Name)]
public sealed class ConsentInfrastructure : ICollectionFixture<PostgresServerFixture>, ICollectionFixture<RedisServerFixture>, ICollectionFixture<RabbitMqServerFixture>
{
    public const string Name = "consent";
}

/// <summary>
/// The consent service as it runs: its database, the broker, the real key-management service
/// holding the patients' keys (sharing that service's PKI and token issuer), its public listener
/// for the FHIR API and its internal listener for decisions.
/// </summary>
public sealed class ConsentHost : IAsyncDisposable
{
    private static readonly FhirJsonSerializer Json = new();

    private readonly WebApplication _app;

    private ConsentHost(WebApplication app, ServiceHost service, KeyManagementHost keys, ServiceDatabase database, CapturedLogs logs)
    {
        _app = app;
        Service = service;
        Keys = keys;
        Database = database;
        Logs = logs;
    }

    public ServiceHost Service { get; }

    public KeyManagementHost Keys { get; }

    /// <summary>The consent database: the service runs as <see cref="ServiceDatabase.Runtime"/> and migrates as the owner.</summary>
    public ServiceDatabase Database { get; }

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<ConsentHost> StartAsync(
        KeyManagementHost keys, ServiceDatabase database, RedisServerFixture redis, RabbitMqServerFixture broker, TimeProvider? time = null, IDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(broker);
        var service = new ServiceHost(keys.Pki, ResourceNames.Consent);
        var configuration = new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ResourceNames.ConsentDatabase}"] = database.Runtime,
            [$"ConnectionStrings:{ResourceNames.ConsentDatabase}-owner"] = database.Owner,
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["ConnectionStrings:messaging"] = broker.ConnectionString,
            [$"services:{ResourceNames.KeyManagement}:internal:0"] = keys.Service.Internal.AbsoluteUri,
            ["TokenValidation:Authority"] = keys.Tokens.Issuer.AbsoluteUri,
            [$"services:{ResourceNames.Identity}:internal:0"] = keys.Tokens.Issuer.AbsoluteUri,
            ["Revocations:ResynchronizeInterval"] = "00:00:01",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = service.CreateBuilder(configuration);
        var logs = new CapturedLogs();
        builder.Logging.AddProvider(logs);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.AddConsentServices();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapConsentEndpoints();
        await app.StartAsync();
        await service.WaitUntilReadyAsync();

        return new ConsentHost(app, service, keys, database, logs);
    }

    /// <summary>A token for this API (audience <c>consent</c>) with <paramref name="claims"/>.</summary>
    public string Token(IDictionary<string, object> claims) => Keys.Tokens.Mint(audience: ResourceNames.Consent, claims: claims);

    /// <summary>A patient signed in to a patient app, with their own record as launch context.</summary>
    public string PatientToken(string patientId, string scope = "patient/Consent.cruds") => Token(new Dictionary<string, object>
    {
        ["sub"] = "user-" + patientId,
        ["fhirUser"] = "Patient/" + patientId,
        ["client_id"] = "patient-app",
        ["role"] = "patient",
        ["patient"] = patientId,
        ["scope"] = scope,
    });

    /// <summary>Staff in <paramref name="role"/> with a user-level scope.</summary>
    public string StaffToken(string role = "nurse", string scope = "user/Consent.cruds", string subject = "nurse-1") => Token(new Dictionary<string, object>
    {
        ["sub"] = subject,
        ["fhirUser"] = "Practitioner/" + subject,
        ["client_id"] = "ehr-app",
        ["role"] = role,
        ["scope"] = scope,
    });

    public string OfficerToken(string[]? amr = null, string scope = "user/Consent.rs") => Token(new Dictionary<string, object>
    {
        ["sub"] = "sec.sally",
        ["client_id"] = "admin-console",
        ["role"] = "security-officer",
        ["amr"] = amr ?? ["pwd", "otp", "mfa"],
        ["scope"] = scope,
    });

    public static string ToJson(FhirConsent consent) => Json.SerializeToString(consent);

    /// <summary>A request to the public listener; <paramref name="body"/> is sent as <paramref name="contentType"/>.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? accessToken, string? body = null, string contentType = "application/fhir+json", string? accept = null, string? ifMatch = null)
    {
        using var client = Keys.Pki.CreateClient();
        using var request = new HttpRequestMessage(method, new Uri(Service.Public, path));
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>Creates <paramref name="consent"/> as <paramref name="accessToken"/>'s holder; returns its id (asserting 201).</summary>
    public async Task<string> CreateAsync(FhirConsent consent, string accessToken)
    {
        using var response = await SendAsync(HttpMethod.Post, "/fhir/Consent", accessToken, ToJson(consent));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return response.Headers.Location!.OriginalString.Split('/')[3];
    }

    /// <summary>Asks the decision endpoint as <paramref name="caller"/> (a platform identity's client certificate).</summary>
    public async Task<HttpResponseMessage> DecideAsync(object question, string caller = ResourceNames.Records)
    {
        using var client = Keys.Pki.CreateClient(Keys.Pki.Certificate(caller));
        var response = await client.PostAsJsonAsync(new Uri(Service.Internal, "/decisions"), question);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>Runs <paramref name="sql"/> as the database's superuser (what a thief of the disk would see).</summary>
    public async Task<T> QueryAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(Database.Superuser);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
