using HealthPlatform.Identity.Administration;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.Identity.Revocations;
using HealthPlatform.Identity.Seed;
using HealthPlatform.Identity.Server;
using HealthPlatform.Identity.Users;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Caching;
using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.ServiceDefaults.Messaging;

namespace HealthPlatform.Identity.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddIdentityServices(this IHostApplicationBuilder builder)
    {
        builder.AddPlatformDatabase<IdentityDbContext>(ResourceNames.IdentityDatabase);
        builder.AddPlatformRedis();
        builder.AddPlatformMessaging();
        builder.AddAuditOutbox<IdentityDbContext>();
        builder.AddPlatformUsers();
        builder.AddAuthorizationServer();
        builder.AddAccessRevocationList();
        builder.AddAdministration();
        builder.AddDevelopmentSeed();
        return builder;
    }

    /// <summary>The identity service's own routes: login, and the endpoints OpenIddict hands over.</summary>
    public static WebApplication MapIdentityEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapAccountPages();
        app.MapAuthorizationEndpoints();
        app.MapRevocationList();
        app.MapAdministration();
        return app;
    }
}
