using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace HealthPlatform.Identity.Users;

/// <summary>
/// Signing in and out: the password page, then — for a user with an authenticator — a second page
/// for the authenticator code or a recovery code; logout. Server-rendered forms (no script),
/// protected against cross-site posts, on the strict rate limit; each returns the user to where
/// they came from, a path on this service only. Every attempt, success or failure, is a security event.
/// </summary>
public static class LoginEndpoints
{
    public const string MfaPath = UserAccountExtensions.LoginPath + "/mfa";
    public const string RecoveryPath = UserAccountExtensions.LoginPath + "/recovery";
    public const string LogoutPath = "/account/logout";

    /// <summary>One message for every failure: which part was wrong, or whether the account exists, is not said.</summary>
    private const string SignInFailed = "Sign-in failed. Check your user name and password, or try again later.";

    private const string CodeFailed = "That code was not accepted. Enter the current code from your authenticator app, or try again later.";

    public static IEndpointRouteBuilder MapLogin(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(UserAccountExtensions.LoginPath, (HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
                LoginPage(context, antiforgery, AccountPages.LocalPathOrRoot(returnUrl), error: null))
            .AllowAnonymous();
        endpoints.MapPost(UserAccountExtensions.LoginPath, SignInAsync)
            .AllowAnonymous()
            .DisableAntiforgery() // validated in the handler, which answers a readable page
            .WithRateLimit(RateLimitingOptions.StrictPolicy);

        endpoints.MapGet(MfaPath, (HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
                CodePage(context, antiforgery, MfaPath, AccountPages.LocalPathOrRoot(returnUrl), error: null))
            .AllowAnonymous();
        endpoints.MapPost(MfaPath, (HttpContext context, IAntiforgery antiforgery, SignInManager<PlatformUser> signIn, AccountEvents events) =>
                VerifyCodeAsync(context, antiforgery, signIn, events, MfaPath))
            .AllowAnonymous()
            .DisableAntiforgery()
            .WithRateLimit(RateLimitingOptions.StrictPolicy);
        endpoints.MapGet(RecoveryPath, (HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
                CodePage(context, antiforgery, RecoveryPath, AccountPages.LocalPathOrRoot(returnUrl), error: null))
            .AllowAnonymous();
        endpoints.MapPost(RecoveryPath, (HttpContext context, IAntiforgery antiforgery, SignInManager<PlatformUser> signIn, AccountEvents events) =>
                VerifyCodeAsync(context, antiforgery, signIn, events, RecoveryPath))
            .AllowAnonymous()
            .DisableAntiforgery()
            .WithRateLimit(RateLimitingOptions.StrictPolicy);

        endpoints.MapGet(LogoutPath, (HttpContext context, IAntiforgery antiforgery) => AccountPages.Render(
                "Sign out",
                AccountPages.Form(context, antiforgery, LogoutPath, "/", string.Empty, "Sign out")))
            .AllowAnonymous();
        endpoints.MapPost(LogoutPath, SignOutAsync)
            .AllowAnonymous()
            .DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> SignInAsync(
        HttpContext context, IAntiforgery antiforgery, SignInManager<PlatformUser> signIn, AccountEvents events)
    {
        if (await AccountPages.ValidFormAsync(context, antiforgery) is not { } form)
        {
            return AccountPages.Refused();
        }

        var returnUrl = AccountPages.LocalPathOrRoot(form["returnUrl"]);
        var userName = form["username"].ToString();
        var password = form["password"].ToString();
        var user = userName.Length is > 0 and <= 256 ? await signIn.UserManager.FindByNameAsync(userName) : null;
        var result = user is null || password.Length is 0 or > 1024
            ? SignInResult.Failed
            : await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);

        var (kind, outcome) = result switch
        {
            { Succeeded: true } => (SecurityEventKind.AuthenticationSucceeded, AuditOutcome.Success),
            { RequiresTwoFactor: true } => (SecurityEventKind.MfaChallenged, AuditOutcome.Success),
            { IsLockedOut: true } => (SecurityEventKind.AccountLockedOut, AuditOutcome.Denied),
            _ => (SecurityEventKind.AuthenticationFailed, AuditOutcome.Denied),
        };
        await events.WriteAsync(context, kind, outcome, user);

        if (result.Succeeded)
        {
            return TypedResults.LocalRedirect(returnUrl);
        }

        if (result.RequiresTwoFactor)
        {
            // The password was right; who is half signed in is kept in a short-lived cookie until the code arrives.
            return TypedResults.LocalRedirect(MfaPath + QueryString.Create("returnUrl", returnUrl));
        }

        return LoginPage(context, antiforgery, returnUrl, SignInFailed);
    }

    /// <summary>The second step: an authenticator code (<see cref="MfaPath"/>) or a recovery code (<see cref="RecoveryPath"/>).</summary>
    private static async Task<IResult> VerifyCodeAsync(
        HttpContext context, IAntiforgery antiforgery, SignInManager<PlatformUser> signIn, AccountEvents events, string path)
    {
        if (await AccountPages.ValidFormAsync(context, antiforgery) is not { } form)
        {
            return AccountPages.Refused();
        }

        var returnUrl = AccountPages.LocalPathOrRoot(form["returnUrl"]);
        if (await signIn.GetTwoFactorAuthenticationUserAsync() is not { } user)
        {
            // No password step behind this (or it is too long ago): start again.
            return TypedResults.LocalRedirect(UserAccountExtensions.LoginPath + QueryString.Create("returnUrl", returnUrl));
        }

        var code = new string([.. form["code"].ToString().Where(character => !char.IsWhiteSpace(character))]);
        var recovery = path == RecoveryPath;
        SignInResult result;
        if (await signIn.UserManager.IsLockedOutAsync(user))
        {
            result = SignInResult.LockedOut;
        }
        else if (code.Length is 0 or > 32)
        {
            await signIn.UserManager.AccessFailedAsync(user);
            result = await signIn.UserManager.IsLockedOutAsync(user) ? SignInResult.LockedOut : SignInResult.Failed;
        }
        else if (recovery)
        {
            result = await signIn.TwoFactorRecoveryCodeSignInAsync(code);
            if (!result.Succeeded)
            {
                // Identity does not count wrong recovery codes towards lockout; this platform does.
                await signIn.UserManager.AccessFailedAsync(user);
                result = await signIn.UserManager.IsLockedOutAsync(user) ? SignInResult.LockedOut : SignInResult.Failed;
            }
        }
        else
        {
            result = await signIn.TwoFactorAuthenticatorSignInAsync(code, isPersistent: false, rememberClient: false);
            if (!result.Succeeded && await signIn.UserManager.IsLockedOutAsync(user))
            {
                result = SignInResult.LockedOut;
            }
        }

        if (result.Succeeded)
        {
            if (recovery)
            {
                await events.WriteAsync(context, SecurityEventKind.RecoveryCodeUsed, AuditOutcome.Success, user);
            }

            await events.WriteAsync(context, SecurityEventKind.AuthenticationSucceeded, AuditOutcome.Success, user);
            return TypedResults.LocalRedirect(returnUrl);
        }

        await events.WriteAsync(context, result.IsLockedOut ? SecurityEventKind.AccountLockedOut : SecurityEventKind.MfaFailed, AuditOutcome.Denied, user);
        return result.IsLockedOut
            ? LoginPage(context, antiforgery, returnUrl, SignInFailed)
            : CodePage(context, antiforgery, path, returnUrl, CodeFailed);
    }

    private static async Task<IResult> SignOutAsync(
        HttpContext context, IAntiforgery antiforgery, SignInManager<PlatformUser> signIn, AccountEvents events)
    {
        if (await AccountPages.ValidFormAsync(context, antiforgery) is null)
        {
            return AccountPages.Refused();
        }

        var session = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = session.Succeeded ? await signIn.UserManager.GetUserAsync(session.Principal) : null;
        await signIn.SignOutAsync();
        if (user is not null)
        {
            await events.WriteAsync(context, SecurityEventKind.SignedOut, AuditOutcome.Success, user);
        }

        return AccountPages.Render("Signed out", "<p>You are signed out. You can close this window.</p>");
    }

    private static ContentHttpResult LoginPage(HttpContext context, IAntiforgery antiforgery, string returnUrl, string? error) => AccountPages.Render(
        "Sign in",
        AccountPages.Alert(error) + AccountPages.Form(
            context,
            antiforgery,
            UserAccountExtensions.LoginPath,
            returnUrl,
            """
            <label>User name <input name="username" autocomplete="username" required></label>
            <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
            """,
            "Sign in"));

    private static ContentHttpResult CodePage(HttpContext context, IAntiforgery antiforgery, string path, string returnUrl, string? error)
    {
        var recovery = path == RecoveryPath;
        var field = recovery
            ? """<label>Recovery code <input name="code" autocomplete="off" required></label>"""
            : """<label>Authenticator code <input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required></label>""";
        var alternative = recovery
            ? AccountPages.Link(MfaPath, returnUrl, "Use your authenticator app instead")
            : AccountPages.Link(RecoveryPath, returnUrl, "Lost your authenticator? Use a recovery code");
        return AccountPages.Render(
            "Second step",
            AccountPages.Alert(error)
            + (recovery ? "<p>Enter one of the recovery codes you saved; each works once.</p>" : "<p>Enter the 6-digit code your authenticator app shows.</p>")
            + AccountPages.Form(context, antiforgery, path, returnUrl, field, "Verify")
            + alternative);
    }
}
