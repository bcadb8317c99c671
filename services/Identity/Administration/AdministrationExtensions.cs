using System.Security.Claims;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.Identity.Users;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Authorization;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace HealthPlatform.Identity.Administration;

public static class AdministrationExtensions
{
    /// <summary>
    /// The admin API's policy: an access token for the identity API (<c>identity.admin</c>) of a user
    /// who holds the admin role now — assigned or by elevation — and signed in with a second factor
    /// (<c>amr</c> has <c>mfa</c>). Anything less is 403; no token, 401.
    /// </summary>
    public const string AdministratorPolicy = "administrator";

    public static IHostApplicationBuilder AddAdministration(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptionsWithValidateOnStart<ElevationOptions>()
            .Bind(builder.Configuration.GetSection(ElevationOptions.SectionName))
            .Validate(options => options.MaxDuration >= TimeSpan.FromMinutes(1) && options.MaxDuration <= TimeSpan.FromHours(24), $"{ElevationOptions.SectionName}:MaxDuration must be between 1 minute and 24 hours.")
            .Validate(options => options.CheckInterval >= TimeSpan.FromMilliseconds(100) && options.CheckInterval <= TimeSpan.FromMinutes(5), $"{ElevationOptions.SectionName}:CheckInterval must be between 100 ms and 5 minutes.");
        builder.Services.AddScoped<EffectiveRoles>();
        builder.Services.AddSingleton<ElevationExpiry>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ElevationExpiry>());
        builder.Services.AddAuthorizationBuilder().AddPolicy(AdministratorPolicy, policy => policy
            .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .RequireAssertion(context => IsAdministrator(context.User)));
        return builder;
    }

    public static IEndpointRouteBuilder MapAdministration(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var admin = endpoints.MapGroup("/admin").RequireAuthorization(AdministratorPolicy);
        admin.MapClientAdministration();
        admin.MapUserAdministration();
        return endpoints;
    }

    internal static bool IsAdministrator(ClaimsPrincipal user) =>
        user.HasScope(SmartScopeApis.IdentityAdministration)
        && user.HasClaim(OpenIddictConstants.Claims.Role, PlatformRoles.Admin)
        && user.HasClaim(SessionClaims.AuthenticationMethod, SessionClaims.MultiFactor)
        // A certificate-bound token cannot be checked on this listener (no client certificate is asked for).
        && !user.HasClaim(claim => claim.Type == "cnf");

    /// <summary>The administrator acting, as the audit trail records them.</summary>
    internal static AuditActor ActorOf(HttpContext context) => new()
    {
        UserId = context.User.GetClaim(OpenIddictConstants.Claims.Subject),
        Roles = [.. context.User.GetClaims(OpenIddictConstants.Claims.Role)],
        ClientId = context.User.GetClaim(OpenIddictConstants.Claims.ClientId),
        NetworkAddress = AuditActors.AddressOf(context.Connection.RemoteIpAddress),
    };

    internal static Task AuditAsync(
        this IAuditTrail trail, HttpContext context, SecurityEventKind kind, string? targetUserId = null, string? targetClientId = null,
        string? role = null, DateTimeOffset? validUntil = null, string? reason = null) =>
        trail.RecordAsync(
            new SecurityEventRecorded
            {
                Header = trail.NewHeader(),
                Kind = kind,
                Actor = ActorOf(context),
                Outcome = AuditOutcome.Success,
                TargetUserId = targetUserId,
                TargetClientId = targetClientId,
                Role = role,
                ValidUntil = validUntil,
                Reason = reason,
            },
            context.RequestAborted);
}
