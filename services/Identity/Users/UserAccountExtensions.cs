using System.Security.Claims;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.ServiceDefaults.Authorization;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace HealthPlatform.Identity.Users;

public static class UserAccountExtensions
{
    /// <summary>Cookie of the signed-in user at the identity service (the login session, not a token).</summary>
    public const string SessionCookie = "__Host-hp-session";

    /// <summary>Cookie naming who passed the password step and owes the second factor (minutes only).</summary>
    public const string PendingMfaCookie = "__Host-hp-mfa";

    /// <summary>Path of the login page; the authorization endpoint sends users there.</summary>
    public const string LoginPath = "/account/login";

    /// <summary>
    /// ASP.NET Core Identity's users on the identity database — without its default schemes, so the
    /// service's APIs still deny by default: the session cookie is only read where asked for (the
    /// authorization, userinfo and end-session endpoints and the account pages). Locked out after 5
    /// failures (passwords and codes) for 15 minutes; sessions end when idle
    /// (<see cref="AccountOptions.IdleTimeout"/>), at <see cref="AccountOptions.MaxSessionLifetime"/>,
    /// and at the next request after the account changes (disabled, password or authenticator reset).
    /// </summary>
    public static IHostApplicationBuilder AddPlatformUsers(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptionsWithValidateOnStart<AccountOptions>()
            .Bind(builder.Configuration.GetSection(AccountOptions.SectionName))
            .Validate(options => options.IdleTimeout >= TimeSpan.FromSeconds(1) && options.IdleTimeout <= TimeSpan.FromHours(12), $"{AccountOptions.SectionName}:IdleTimeout must be between 1 second and 12 hours.")
            .Validate(options => options.MaxSessionLifetime >= options.IdleTimeout && options.MaxSessionLifetime <= TimeSpan.FromHours(24), $"{AccountOptions.SectionName}:MaxSessionLifetime must be at least IdleTimeout and at most 24 hours.")
            .Validate(options => options.EffectiveMfaRequiredRoles.All(PlatformRoles.All.Contains), $"{AccountOptions.SectionName}:MfaRequiredRoles must name platform roles.")
            // Only a development machine may drop the rule (e.g. to show that the admin API refuses a token without mfa on its own).
            .Validate(
                options => builder.Environment.IsDevelopment() || (options.RequiresMfa([PlatformRoles.Admin]) && options.RequiresMfa([PlatformRoles.SecurityOfficer])),
                $"{AccountOptions.SectionName}:MfaRequiredRoles must include admin and security-officer outside Development.");

        builder.AddSharedDataProtection();
        builder.Services.AddIdentityCore<PlatformUser>(options =>
            {
                options.Password.RequiredLength = 12;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                options.User.RequireUniqueEmail = false;
                options.Tokens.AuthenticatorTokenProvider = OneTimeAuthenticatorTokenProvider.ProviderName;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<IdentityDbContext>()
            .AddUserStore<PlatformUserStore>()
            .AddSignInManager()
            .AddDefaultTokenProviders()
            .AddTokenProvider<OneTimeAuthenticatorTokenProvider>(OneTimeAuthenticatorTokenProvider.ProviderName);

        // The security stamp is checked on every request: disabling an account or resetting its
        // authenticator ends its sessions at once, not after Identity's default 30 minutes.
        // The validator rebuilds the session's principal from the store: how the user authenticated
        // (amr: pwd, or mfa after a second factor) is not in the store and is carried over.
        builder.Services.Configure<SecurityStampValidatorOptions>(options =>
        {
            options.ValidationInterval = TimeSpan.Zero;
            options.OnRefreshingPrincipal = context =>
            {
                if (context.NewPrincipal?.Identity is ClaimsIdentity identity && context.CurrentPrincipal is { } current)
                {
                    identity.AddClaims(current.FindAll(SessionClaims.AuthenticationMethod).Select(claim => new Claim(claim.Type, claim.Value)));
                }

                return Task.CompletedTask;
            };
        });
        builder.Services.AddScoped<AccountEvents>();

        builder.Services.AddAuthentication().AddIdentityCookies(cookies =>
        {
            cookies.ApplicationCookie!.Configure(cookie =>
            {
                cookie.Cookie.Name = SessionCookie;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.LoginPath = LoginPath;
                cookie.ReturnUrlParameter = "returnUrl";
                cookie.SlidingExpiration = true;
            });
            cookies.TwoFactorUserIdCookie!.Configure(cookie =>
            {
                cookie.Cookie.Name = PendingMfaCookie;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.ExpireTimeSpan = TimeSpan.FromMinutes(5);
            });
        });
        builder.Services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<IOptions<AccountOptions>>((cookie, accounts) => ConfigureSession(cookie, accounts.Value));
        builder.Services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "__Host-hp-antiforgery";
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            antiforgery.FormFieldName = "__RequestVerificationToken";
        });
        return builder;
    }

    /// <summary>Login, second factor, logout and authenticator enrolment pages.</summary>
    public static IEndpointRouteBuilder MapAccountPages(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapLogin();
        endpoints.MapMfaEnrolment();
        return endpoints;
    }

    /// <summary>Idle timeout (sliding expiry) and the absolute session lifetime, counted from sign-in.</summary>
    private static void ConfigureSession(CookieAuthenticationOptions cookie, AccountOptions accounts)
    {
        cookie.ExpireTimeSpan = accounts.IdleTimeout;
        var onSigningIn = cookie.Events.OnSigningIn;
        cookie.Events.OnSigningIn = context =>
        {
            // A refreshed sign-in (new security stamp, enrolment) keeps the session's original start.
            context.Properties.Items[SessionClaims.SignedInAt] = context.Properties.Items.TryGetValue(SessionClaims.SignedInAt, out var existing) && existing is not null
                ? existing
                : (context.Options.TimeProvider ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            return onSigningIn(context);
        };

        var validateStamp = cookie.Events.OnValidatePrincipal;
        cookie.Events.OnValidatePrincipal = async context =>
        {
            var signedInAt = context.Properties.Items.TryGetValue(SessionClaims.SignedInAt, out var value) && long.TryParse(value, out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : (DateTimeOffset?)null;
            if (signedInAt is null || (context.Options.TimeProvider ?? TimeProvider.System).GetUtcNow() - signedInAt > accounts.MaxSessionLifetime)
            {
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                return;
            }

            await validateStamp(context);
        };
    }
}
