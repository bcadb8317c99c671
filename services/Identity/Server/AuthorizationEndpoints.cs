using System.Security.Claims;
using HealthPlatform.Identity.Administration;
using HealthPlatform.Identity.Users;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Server;

/// <summary>
/// The endpoints OpenIddict validates and hands over (passthrough): authorization (who the user is,
/// what the code will grant), userinfo and end-session. OpenIddict has already checked the client,
/// the redirect URI, PKCE and — through our handlers — the SMART scopes and <c>aud</c>.
/// </summary>
public static class AuthorizationEndpoints
{
    /// <summary>The SMART launch context claim: the FHIR Patient id the app works on.</summary>
    public const string PatientClaim = "patient";

    public const string FhirUserClaim = "fhirUser";

    public static IEndpointRouteBuilder MapAuthorizationEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapMethods("/" + IdentityEndpoints.Authorization, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).AllowAnonymous();
        endpoints.MapMethods("/" + IdentityEndpoints.UserInfo, [HttpMethods.Get, HttpMethods.Post], UserInfoAsync)
            .RequireAuthorization(policy => policy.AddAuthenticationSchemes(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme).RequireAuthenticatedUser());
        endpoints.MapMethods("/" + IdentityEndpoints.EndSession, [HttpMethods.Get, HttpMethods.Post], (Func<HttpContext, Task<IResult>>)EndSessionAsync).AllowAnonymous();
        return endpoints;
    }

    private static async Task<IResult> AuthorizeAsync(
        HttpContext context, UserManager<PlatformUser> users, EffectiveRoles effectiveRoles, IOptions<AccountOptions> accounts, AuthorizationInteractions interactions, TimeProvider time)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("The OpenIddict request is missing.");
        var session = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = session.Succeeded ? await users.GetUserAsync(session.Principal) : null;
        if (user is not null && await users.IsLockedOutAsync(user))
        {
            // Disabled or locked out since signing in: the session no longer counts.
            await context.SignOutAsync(IdentityConstants.ApplicationScheme);
            user = null;
        }

        if (user is null)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.LoginRequired, "The user is not signed in.");
            }

            return ToLogin(context);
        }

        // prompt=login, or a session older than max_age: the user signs in again first (OIDC Core 3.1.2.1).
        var signedInAt = session.Properties?.Items.TryGetValue(SessionClaims.SignedInAt, out var value) == true && long.TryParse(value, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.MinValue;
        if (request.HasPromptValue(PromptValues.Login)
            || (request.MaxAge is { } maxAge && time.GetUtcNow() - signedInAt > TimeSpan.FromSeconds(maxAge)))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.LoginRequired, "A fresh sign-in is required.");
            }

            await context.SignOutAsync(IdentityConstants.ApplicationScheme);
            return ToLogin(context, freshSignIn: true);
        }

        var roles = await effectiveRoles.OfAsync(user, context.RequestAborted);
        var multiFactor = session.Principal!.HasClaim(SessionClaims.AuthenticationMethod, SessionClaims.MultiFactor);
        if (!multiFactor && accounts.Value.RequiresMfa(roles))
        {
            // No token for a privileged role on a password alone.
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.InteractionRequired, "A second factor is required.");
            }

            if (!user.TwoFactorEnabled)
            {
                return TypedResults.LocalRedirect(MfaEnrolmentEndpoints.EnrolPath + QueryString.Create("returnUrl", HereWithParameters(context)));
            }

            await context.SignOutAsync(IdentityConstants.ApplicationScheme);
            return ToLogin(context);
        }

        var scopes = request.GetScopes();
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id);
        identity.SetClaim(Claims.Name, user.UserName);
        identity.SetClaims(Claims.Role, [.. roles]);
        identity.SetClaim(FhirUserClaim, user.FhirUser);
        identity.SetClaim(Claims.AuthenticationTime, signedInAt.ToUnixTimeSeconds());
        identity.SetClaims(
            Claims.AuthenticationMethodReference,
            multiFactor ? [SessionClaims.Password, SessionClaims.OneTimePassword, SessionClaims.MultiFactor] : [SessionClaims.Password]);

        string? patientId = null;
        if (scopes.Contains("launch/patient") || scopes.Any(scope => scope.StartsWith("patient/", StringComparison.Ordinal)))
        {
            // A patient works on their own record; a clinician picks the patient; nobody else has one.
            var patient = await interactions.PatientContextAsync(context, request, user, roles);
            if (patient.Answer is { } answer)
            {
                return answer;
            }

            patientId = patient.PatientId;
            identity.SetClaim(PatientClaim, patientId);
        }

        // A third-party app acts only on what the user approved on the consent screen (remembered).
        var consent = await interactions.ConsentAsync(context, request, user, identity, scopes, patientId);
        if (consent.Answer is { } refusal)
        {
            return refusal;
        }

        identity.SetAuthorizationId(consent.AuthorizationId);
        identity.SetScopes(scopes);
        identity.SetResources(SmartScopeApis.AudiencesFor(scopes));
        identity.SetDestinations(claim => DestinationsOf(claim, scopes));
        return TypedResults.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>
    /// To the login page, and back here with the same parameters afterwards — after a sign-in the
    /// request itself demanded (<paramref name="freshSignIn"/>), without <c>prompt=login</c> and
    /// <c>max_age</c>, which that sign-in has just satisfied (they would otherwise ask again forever).
    /// </summary>
    private static ChallengeHttpResult ToLogin(HttpContext context, bool freshSignIn = false) => TypedResults.Challenge(
        new AuthenticationProperties { RedirectUri = HereWithParameters(context, freshSignIn) },
        [IdentityConstants.ApplicationScheme]);

    /// <summary>This request's URL with its OAuth parameters — never the pages' own fields or antiforgery token.</summary>
    private static string HereWithParameters(HttpContext context, bool withoutFreshSignInDemand = false)
    {
        var parameters = (context.Request.HasFormContentType ? [.. context.Request.Form] : context.Request.Query.ToList())
            .Where(parameter => !parameter.Key.StartsWith("hp_", StringComparison.Ordinal) && !parameter.Key.StartsWith("__", StringComparison.Ordinal))
            .Where(parameter => !withoutFreshSignInDemand || parameter.Key is not (Parameters.MaxAge or Parameters.Prompt));
        return context.Request.PathBase + context.Request.Path + QueryString.Create(parameters);
    }

    /// <summary>What the access token's scopes allow the app to know about its user, read fresh from the user store.</summary>
    private static async Task<IResult> UserInfoAsync(HttpContext context, UserManager<PlatformUser> users)
    {
        var principal = context.User;
        var user = principal.GetClaim(Claims.Subject) is { } subject ? await users.FindByIdAsync(subject) : null;
        if (user is null)
        {
            // A client credentials token has no user; a deleted user has none any more.
            return Refuse(Errors.InvalidToken, "The access token does not belong to a user.");
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = user.Id };
        if (principal.HasScope("fhirUser") && user.FhirUser is { } fhirUser)
        {
            claims[FhirUserClaim] = fhirUser;
        }

        if (principal.HasScope(Scopes.Profile) && user.UserName is { } name)
        {
            claims[Claims.PreferredUsername] = name;
        }

        return TypedResults.Ok(claims);
    }

    private static async Task<IResult> EndSessionAsync(HttpContext context)
    {
        await context.SignOutAsync(IdentityConstants.ApplicationScheme);
        return TypedResults.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    /// <summary>
    /// Where each claim goes: the access token carries what services decide on (subject, roles,
    /// fhirUser, the patient context, how the user authenticated); the ID token only what the app
    /// asked to know about the user.
    /// </summary>
    private static IEnumerable<string> DestinationsOf(Claim claim, System.Collections.Immutable.ImmutableArray<string> scopes) => claim.Type switch
    {
        Claims.Subject or Claims.AuthenticationMethodReference or Claims.AuthenticationTime => [Destinations.AccessToken, Destinations.IdentityToken],
        FhirUserClaim when scopes.Contains("fhirUser") => [Destinations.AccessToken, Destinations.IdentityToken],
        Claims.Name when scopes.Contains(Scopes.Profile) => [Destinations.IdentityToken],
        Claims.Name => [],
        Claims.Role or FhirUserClaim or PatientClaim => [Destinations.AccessToken],
        _ => [],
    };

    internal static ForbidHttpResult Refuse(string error, string description) => TypedResults.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
