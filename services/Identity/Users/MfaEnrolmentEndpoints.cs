using System.Security.Claims;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using QRCoder;

namespace HealthPlatform.Identity.Users;

/// <summary>
/// Enrolling an authenticator app: a signed-in user without one scans a QR code (or types the key),
/// proves it works with a first code, and receives ten single-use recovery codes, shown once. The
/// session then counts as multi-factor. A user who already has an authenticator cannot replace it
/// here — otherwise a stolen password alone would let someone swap in their own; an administrator
/// resets it.
/// </summary>
public static class MfaEnrolmentEndpoints
{
    public const string EnrolPath = "/account/mfa";

    /// <summary>What authenticator apps show beside the account name.</summary>
    public const string Issuer = "HealthPlatform";

    public const int RecoveryCodeCount = 10;

    public static IEndpointRouteBuilder MapMfaEnrolment(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(EnrolPath, EnrolmentPageAsync).AllowAnonymous();
        endpoints.MapPost(EnrolPath, ConfirmAsync)
            .AllowAnonymous()
            .DisableAntiforgery() // validated in the handler
            .WithRateLimit(RateLimitingOptions.StrictPolicy);
        return endpoints;
    }

    /// <summary>The authenticator URI apps read from the QR code (Google Authenticator key-URI format: SHA-1, 6 digits, 30 s).</summary>
    public static string AuthenticatorUri(string userName, string key) =>
        $"otpauth://totp/{Uri.EscapeDataString(Issuer)}:{Uri.EscapeDataString(userName)}?secret={key}&issuer={Uri.EscapeDataString(Issuer)}&digits=6&period=30";

    private static async Task<IResult> EnrolmentPageAsync(HttpContext context, IAntiforgery antiforgery, SignInManager<PlatformUser> signIn, string? returnUrl)
    {
        var users = signIn.UserManager;
        var target = AccountPages.LocalPathOrRoot(returnUrl);
        if (await SignedInUserAsync(context, users) is not { } user)
        {
            return ToLogin(target);
        }

        if (user.TwoFactorEnabled)
        {
            return AlreadyEnrolled(target);
        }

        if (await users.GetAuthenticatorKeyAsync(user) is not { } key)
        {
            await users.ResetAuthenticatorKeyAsync(user);

            // A new key changes the security stamp, which would end this very session; the page is
            // then shown by a fresh request, under the refreshed session.
            await signIn.RefreshSignInAsync(user);
            return TypedResults.LocalRedirect(EnrolPath + QueryString.Create("returnUrl", target));
        }

        return EnrolmentPage(context, antiforgery, user, key, target, error: null);
    }

    private static async Task<IResult> ConfirmAsync(
        HttpContext context, IAntiforgery antiforgery, SignInManager<PlatformUser> signIn, AccountEvents events)
    {
        if (await AccountPages.ValidFormAsync(context, antiforgery) is not { } form)
        {
            return AccountPages.Refused();
        }

        var users = signIn.UserManager;
        var returnUrl = AccountPages.LocalPathOrRoot(form["returnUrl"]);
        if (await SignedInUserAsync(context, users) is not { } user)
        {
            return ToLogin(returnUrl);
        }

        if (user.TwoFactorEnabled)
        {
            return AlreadyEnrolled(returnUrl);
        }

        var key = await users.GetAuthenticatorKeyAsync(user);
        var code = new string([.. form["code"].ToString().Where(character => !char.IsWhiteSpace(character))]);
        var confirmed = key is not null && code.Length is > 0 and <= 32
            && !await users.IsLockedOutAsync(user)
            && await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code);
        if (!confirmed)
        {
            await users.AccessFailedAsync(user);
            await events.WriteAsync(context, SecurityEventKind.MfaFailed, AuditOutcome.Denied, user, "enrolment");
            if (key is null || await users.IsLockedOutAsync(user))
            {
                await signIn.SignOutAsync();
                return ToLogin(returnUrl);
            }

            return EnrolmentPage(context, antiforgery, user, key, returnUrl, "That code was not accepted. Check the time on your phone and enter the current code.");
        }

        await users.SetTwoFactorEnabledAsync(user, true);
        var recoveryCodes = await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount) ?? [];
        await users.ResetAccessFailedCountAsync(user);
        await events.WriteAsync(context, SecurityEventKind.MfaEnrolled, AuditOutcome.Success, user);

        // Password and a working authenticator: the session is multi-factor from here on.
        await signIn.SignInWithClaimsAsync(user, isPersistent: false, [new Claim(SessionClaims.AuthenticationMethod, SessionClaims.MultiFactor)]);

        var list = string.Concat(recoveryCodes.Select(recoveryCode => $"<li><code>{AccountPages.Encode(recoveryCode)}</code></li>"));
        return AccountPages.Render(
            "Authenticator enrolled",
            $"""
            <p>Your authenticator app is set up. Save these recovery codes somewhere safe: each signs you in once if you lose your phone. They are not shown again.</p>
            <ul id="recovery-codes">{list}</ul>
            <p><a href="{AccountPages.Encode(returnUrl)}">Continue</a></p>
            """);
    }

    private static async Task<PlatformUser?> SignedInUserAsync(HttpContext context, UserManager<PlatformUser> users)
    {
        var session = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        return session.Succeeded ? await users.GetUserAsync(session.Principal) : null;
    }

    private static RedirectHttpResult ToLogin(string returnUrl) =>
        TypedResults.LocalRedirect(UserAccountExtensions.LoginPath + QueryString.Create("returnUrl", EnrolPath + QueryString.Create("returnUrl", returnUrl)));

    private static ContentHttpResult AlreadyEnrolled(string returnUrl) => AccountPages.Render(
        "Authenticator already enrolled",
        $"<p>Your account already has an authenticator app. To replace it, ask an administrator to reset it.</p><p><a href=\"{AccountPages.Encode(returnUrl)}\">Continue</a></p>",
        StatusCodes.Status409Conflict);

    private static ContentHttpResult EnrolmentPage(HttpContext context, IAntiforgery antiforgery, PlatformUser user, string key, string returnUrl, string? error)
    {
        var uri = AuthenticatorUri(user.UserName!, key);
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var png = Convert.ToBase64String(new PngByteQRCode(data).GetGraphic(5));
        var readable = string.Join(' ', key.ToLowerInvariant().Chunk(4).Select(chunk => new string(chunk)));
        return AccountPages.Render(
            "Set up your authenticator app",
            AccountPages.Alert(error)
            + $"""
            <p>Your role requires a second factor. Scan this code with an authenticator app (Microsoft Authenticator, Google Authenticator, FreeOTP…), then enter the 6-digit code it shows.</p>
            <p><img alt="QR code for your authenticator app" src="data:image/png;base64,{png}"></p>
            <p>Cannot scan? Enter this key: <code id="authenticator-key">{AccountPages.Encode(readable)}</code></p>
            """
            + AccountPages.Form(
                context,
                antiforgery,
                EnrolPath,
                returnUrl,
                """<label>Authenticator code <input name="code" inputmode="numeric" autocomplete="one-time-code" required></label>""",
                "Confirm"));
    }
}
