using System.Text.Encodings.Web;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace HealthPlatform.Identity.Users;

/// <summary>
/// The login page: a server-rendered form (no script), protected against cross-site posts, that
/// signs the user in with name and password and returns them to where they came from — a path on
/// this service only, never another site. Each attempt is a security event.
/// </summary>
public static class LoginEndpoints
{
    public static IEndpointRouteBuilder MapLogin(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(UserAccountExtensions.LoginPath, (HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
                Page(context, antiforgery, LocalPathOrRoot(returnUrl), error: null))
            .AllowAnonymous();
        endpoints.MapPost(UserAccountExtensions.LoginPath, SignInAsync)
            .AllowAnonymous()
            .DisableAntiforgery() // validated in the handler, which answers a readable page
            .WithRateLimit(RateLimitingOptions.StrictPolicy);
        return endpoints;
    }

    private static async Task<IResult> SignInAsync(
        HttpContext context, IAntiforgery antiforgery, SignInManager<PlatformUser> signIn, IAuditTrail trail, ISecurityEventWriter events)
    {
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.BadRequest();
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var returnUrl = LocalPathOrRoot(form["returnUrl"]);
        var userName = form["username"].ToString();
        var password = form["password"].ToString();
        var user = userName.Length is > 0 and <= 256 ? await signIn.UserManager.FindByNameAsync(userName) : null;
        var result = user is null || password.Length is 0 or > 1024
            ? SignInResult.Failed
            : await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);

        await events.WriteAsync(
            new SecurityEventRecorded
            {
                Header = trail.NewHeader(),
                Kind = result.Succeeded ? SecurityEventKind.AuthenticationSucceeded : result.IsLockedOut ? SecurityEventKind.AccountLockedOut : SecurityEventKind.AuthenticationFailed,
                Actor = new AuditActor { UserId = user?.Id, NetworkAddress = AuditActors.AddressOf(context.Connection.RemoteIpAddress) },
                Outcome = result.Succeeded ? AuditOutcome.Success : AuditOutcome.Denied,
                TargetUserId = user?.Id,
            },
            CancellationToken.None);

        if (result.Succeeded)
        {
            return TypedResults.LocalRedirect(returnUrl);
        }

        // One message for every failure: which part was wrong, or whether the account exists, is not said.
        return Page(context, antiforgery, returnUrl, "Sign-in failed. Check your user name and password, or try again later.");
    }

    /// <summary>A path on this service, or <c>/</c>: never an absolute, scheme-relative or backslash URL (open redirects).</summary>
    internal static string LocalPathOrRoot(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl)
            ? url
            : "/";

    private static ContentHttpResult Page(HttpContext context, IAntiforgery antiforgery, string returnUrl, string? error)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var html = HtmlEncoder.Default;
        var message = error is null ? string.Empty : $"<p role=\"alert\">{html.Encode(error)}</p>";
        var body = $"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>Sign in — HealthPlatform</title></head>
            <body>
            <h1>Sign in</h1>
            {message}
            <form method="post" action="{html.Encode(UserAccountExtensions.LoginPath)}">
            <input type="hidden" name="{html.Encode(tokens.FormFieldName)}" value="{html.Encode(tokens.RequestToken!)}">
            <input type="hidden" name="returnUrl" value="{html.Encode(returnUrl)}">
            <label>User name <input name="username" autocomplete="username" required></label>
            <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
            <button type="submit">Sign in</button>
            </form>
            </body>
            </html>
            """;
        return TypedResults.Content(body, "text/html; charset=utf-8");
    }
}
