using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using HealthPlatform.Identity.Extensions;
using HealthPlatform.Identity.Users;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Authorization.Revocations;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using HealthPlatform.ServiceDefaults.Messaging;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;

namespace HealthPlatform.Identity.Tests.Server;

/// <summary>
/// The identity service as it runs — its database, Redis, RabbitMQ, real TLS on the public and
/// mTLS listeners — and a stand-in records service that accepts its tokens through the platform's
/// token validation (<c>GET /fhir/Observation</c> needs <c>Observation.s</c> and answers the subject).
/// </summary>
public sealed class IdentityServerHost : IAsyncDisposable
{
    private readonly List<WebApplication> _apps = [];
    private readonly RabbitMqServerFixture _broker;

    private IdentityServerHost(TestPki pki, RabbitMqServerFixture broker)
    {
        _broker = broker;
        Pki = pki;
        Identity = new ServiceHost(pki, ResourceNames.Identity);
        Records = new ServiceHost(pki, ResourceNames.Records);
    }

    public TestPki Pki { get; }

    public ServiceHost Identity { get; }

    public ServiceHost Records { get; }

    public IServiceProvider Services => _apps[0].Services;

    public Uri TokenEndpoint => IdentityEndpoints.At(Identity.Public, IdentityEndpoints.Token);

    public Uri MtlsTokenEndpoint => IdentityEndpoints.At(Identity.Mtls, IdentityEndpoints.Token);

    /// <summary>The stand-in records service's FHIR base URL: the one SMART <c>aud</c> the identity service accepts.</summary>
    public Uri RecordsFhirBase => new(Records.Public, "/fhir");

    public static async Task<IdentityServerHost> StartAsync(
        PostgresServerFixture postgres,
        RedisServerFixture redis,
        RabbitMqServerFixture broker,
        string environment = "Production",
        Func<IdentityServerHost, IDictionary<string, string?>>? settings = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var host = new IdentityServerHost(new TestPki(ResourceNames.Identity, ResourceNames.Records, ResourceNames.Consent), broker);
        try
        {
            await host.StartIdentityAsync(await postgres.CreateDatabaseAsync(), redis, broker, environment, settings?.Invoke(host), configure);
            await host.StartRecordsAsync(host.Records);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    public async Task RegisterAsync(OpenIddictApplicationDescriptor client)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(client);
    }

    /// <summary>Creates a user with a password (and, for a patient, their own Patient id as launch context).</summary>
    public async Task<PlatformUser> CreateUserAsync(string userName, string password, string? patientId = null, string? fhirUser = null, string? role = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PlatformUser>>();
        var user = new PlatformUser { UserName = userName, PatientId = patientId, FhirUser = fhirUser };
        var created = await users.CreateAsync(user, password);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(error => error.Description)));
        if (role is not null)
        {
            var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
            if (!await roles.RoleExistsAsync(role))
            {
                Assert.True((await roles.CreateAsync(new IdentityRole(role))).Succeeded);
            }

            Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
        }

        return user;
    }

    /// <summary>Enrols an authenticator for <paramref name="user"/> as the enrolment page would; returns its key and recovery codes.</summary>
    public async Task<(string Key, IReadOnlyList<string> RecoveryCodes)> EnrolAuthenticatorAsync(PlatformUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PlatformUser>>();
        var stored = await users.FindByIdAsync(user.Id) ?? throw new InvalidOperationException("No such user.");
        await users.ResetAuthenticatorKeyAsync(stored);
        Assert.True((await users.SetTwoFactorEnabledAsync(stored, true)).Succeeded);
        var codes = await users.GenerateNewTwoFactorRecoveryCodesAsync(stored, 10);
        return ((await users.GetAuthenticatorKeyAsync(stored))!, [.. codes!]);
    }

    /// <summary>Posts a token request to the public token endpoint, or to its mTLS alias presenting <paramref name="certificate"/>.</summary>
    public async Task<HttpResponseMessage> RequestTokenAsync(IDictionary<string, string> form, X509Certificate2? certificate = null)
    {
        using var client = Pki.CreateClient(certificate);
        using var content = new FormUrlEncodedContent(form);
        return await client.PostAsync(certificate is null ? TokenEndpoint : MtlsTokenEndpoint, content);
    }

    /// <summary>
    /// Starts one more instance of the stand-in records service (its own ports, the same identity),
    /// ready — which includes having read the revocation list.
    /// </summary>
    public async Task<ServiceHost> StartRecordsInstanceAsync(IDictionary<string, string?>? settings = null)
    {
        var instance = new ServiceHost(Pki, ResourceNames.Records);
        await StartRecordsAsync(instance, settings);
        return instance;
    }

    /// <summary>Calls the stand-in records service (or <paramref name="instance"/> of it) with <paramref name="accessToken"/>, presenting <paramref name="certificate"/> if given.</summary>
    public async Task<HttpResponseMessage> CallRecordsAsync(string accessToken, X509Certificate2? certificate = null, ServiceHost? instance = null)
    {
        using var client = Pki.CreateClient(certificate);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri((instance ?? Records).Public, "/fhir/Observation"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await client.SendAsync(request);
    }

    public static async Task<string> AccessTokenOfAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    public static async Task<string?> ErrorOfAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(JsonDocument.Parse(body).RootElement.TryGetProperty("error", out var error), $"{(int)response.StatusCode} without an error: {body}");
        return error.GetString();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in Enumerable.Reverse(_apps))
        {
            // Stopped first, as a host is: background services then end without reporting a failure.
            await app.StopAsync();
            await app.DisposeAsync();
        }

        Pki.Dispose();
    }

    private async Task StartIdentityAsync(
        string database, RedisServerFixture redis, RabbitMqServerFixture broker, string environment, IDictionary<string, string?>? extra, Action<WebApplicationBuilder>? configure)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:identitydb"] = database,
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["ConnectionStrings:messaging"] = broker.ConnectionString,
            ["Endpoints:MtlsPort"] = Identity.MtlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Identity:Issuer"] = Identity.Public.AbsoluteUri,
            ["Identity:MtlsBaseUri"] = Identity.Mtls.AbsoluteUri,
            ["Identity:FhirBaseUrls:0"] = RecordsFhirBase.AbsoluteUri,
            ["Identity:SigningKeys:ProtectionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["RateLimiting:Policies:strict:PermitLimit"] = "1000",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var builder = Identity.CreateBuilder(settings, environment);
        configure?.Invoke(builder);
        builder.AddIdentityServices();
        var identity = builder.Build();
        identity.MapDefaultEndpoints();
        identity.MapIdentityEndpoints();
        await identity.StartAsync();
        _apps.Add(identity);

        await WaitUntilHealthyAsync(Identity);
    }

    /// <summary>A records stand-in as a real service would be: token validation with the revocation list (events and snapshots).</summary>
    private async Task StartRecordsAsync(ServiceHost host, IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["TokenValidation:Authority"] = Identity.Public.AbsoluteUri,
            ["ConnectionStrings:messaging"] = _broker.ConnectionString,
            ["services:identity:internal:0"] = Identity.Internal.AbsoluteUri,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var builder = host.CreateBuilder(settings);
        builder.AddPlatformMessaging();
        builder.AddPlatformTokenValidation();
        builder.AddAccessTokenRevocations();
        var records = builder.Build();
        records.MapDefaultEndpoints();
        records.MapGet("/fhir/Observation", (HttpContext context) => TypedResults.Ok(context.User.FindFirst("sub")?.Value))
            .RequireSmartScope("Observation", SmartPermissions.Search);
        await records.StartAsync();
        _apps.Add(records);
        await WaitUntilHealthyAsync(host);
    }

    private static async Task WaitUntilHealthyAsync(ServiceHost host)
    {
        using var client = new HttpClient();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((await client.GetAsync(new Uri(host.Management, "/health"), deadline.Token)).StatusCode != HttpStatusCode.OK)
        {
            await Task.Delay(100, deadline.Token);
        }
    }
}
