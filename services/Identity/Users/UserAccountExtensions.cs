using HealthPlatform.Identity.Infrastructure;
using Microsoft.AspNetCore.Identity;

namespace HealthPlatform.Identity.Users;

public static class UserAccountExtensions
{
    /// <summary>Cookie of the signed-in user at the identity service (the login session, not a token).</summary>
    public const string SessionCookie = "__Host-hp-session";

    /// <summary>Path of the login page; the authorization endpoint sends users there.</summary>
    public const string LoginPath = "/account/login";

    /// <summary>
    /// ASP.NET Core Identity's users on the identity database — without its default schemes, so the
    /// service's APIs still deny by default: the session cookie is only read where asked for (the
    /// authorization, userinfo and end-session endpoints). Locked out after 5 failures for 15 minutes.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformUsers(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddIdentityCore<PlatformUser>(options =>
            {
                options.Password.RequiredLength = 12;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                options.User.RequireUniqueEmail = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<IdentityDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        builder.Services.AddAuthentication().AddIdentityCookies(cookies => cookies.ApplicationCookie!.Configure(cookie =>
        {
            cookie.Cookie.Name = SessionCookie;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.LoginPath = LoginPath;
            cookie.ReturnUrlParameter = "returnUrl";
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(15);
            cookie.SlidingExpiration = true;
        }));
        builder.Services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "__Host-hp-antiforgery";
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            antiforgery.FormFieldName = "__RequestVerificationToken";
        });
        return builder;
    }
}
