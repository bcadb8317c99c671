using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Diagnostics;
using HealthPlatform.ServiceDefaults.Health;
using HealthPlatform.ServiceDefaults.Hosting;
using HealthPlatform.ServiceDefaults.RateLimiting;
using HealthPlatform.ServiceDefaults.Security;
using HealthPlatform.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthPlatform.ServiceDefaults;

/// <summary>What every HealthPlatform service shares; each <c>Program.cs</c> calls these two methods.</summary>
public static class Extensions
{
    /// <summary>Directory of key-per-file settings, as Kubernetes mounts ConfigMaps and Secrets.</summary>
    public const string ConfigurationDirectoryVariable = "HEALTHPLATFORM_CONFIG_DIR";

    private const string DefaultConfigurationDirectory = "/etc/healthplatform";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Settings come from appsettings, the environment and mounted files (one file per key,
        // e.g. ConnectionStrings__recordsdb), later sources winning.
        var configurationDirectory = Environment.GetEnvironmentVariable(ConfigurationDirectoryVariable) ?? DefaultConfigurationDirectory;
        builder.Configuration.AddKeyPerFile(configurationDirectory, optional: true, reloadOnChange: true);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddPlatformKestrel();
        builder.AddPlatformTelemetry();
        builder.AddPlatformHealthChecks();

        builder.Services.AddProblemDetails();
        // FHIR routes answer errors as OperationOutcomes: this writer goes before the default one.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IProblemDetailsWriter, Fhir.OperationOutcomeWriter>());
        // A malformed or oversized request is the client's error (400/413), not the server's.
        builder.Services.Configure<ExceptionHandlerOptions>(handler => handler.StatusCodeSelector =
            exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError);
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        builder.AddPlatformSecurity();

        // Leave in-flight requests time to finish within Kubernetes' default 30 s grace period.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(25));
        return builder;
    }

    /// <summary>
    /// The shared request pipeline (errors as ProblemDetails, security headers, listener
    /// isolation, authorization) and the management routes: <c>/health</c>, <c>/alive</c>.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseRouting();
        app.UseMiddleware<ListenerIsolationMiddleware>();
        if (app.Services.GetService<IAuditTrail>() is not null)
        {
            // Before authentication and rate limiting, so it sees every 401, 403 and 429 they answer.
            app.UseMiddleware<DenialAuditMiddleware>();
        }

        var limited = app.Services.GetService<PlatformRateLimiter>() is not null;
        if (limited)
        {
            // Paths answered inside authentication (OpenIddict's endpoints) are counted before it.
            app.UseMiddleware<RateLimitingMiddleware>(RateLimitStage.BeforeAuthentication);
        }

        app.UseAuthentication();
        if (limited)
        {
            // Before authorization: refused calls count too. (Services without Redis have no limiter.)
            app.UseMiddleware<RateLimitingMiddleware>(RateLimitStage.AfterAuthentication);
        }

        app.UseAuthorization();

        app.MapPlatformHealthEndpoints();
        app.MapWhoAmI();
        app.MapMessagingProbe(app.Environment);
        return app;
    }
}
