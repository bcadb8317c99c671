using System.Collections.Immutable;
using System.Security.Claims;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.Identity.Clients;
using HealthPlatform.Identity.Users;
using HealthPlatform.ServiceDefaults.Authorization;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Server;

/// <summary>
/// The two questions the authorization endpoint may ask the user before it issues a code: which
/// patient (a clinician launching with <c>launch/patient</c>), and whether a third-party app may
/// have what it asks for (the consent screen, in plain words; remembered as a permanent
/// authorization, so it is asked once per app and set of scopes). Each page posts back to the
/// authorization endpoint with the request's own parameters and an antiforgery token.
/// </summary>
public sealed class AuthorizationInteractions(
    IAntiforgery antiforgery,
    IOpenIddictApplicationManager applications,
    IOpenIddictAuthorizationManager authorizations,
    UserManager<PlatformUser> users,
    AccountEvents events)
{
    public const string PatientField = "hp_patient";

    /// <summary>The picker's free-text box (a browser always sends it, empty when a listed patient was chosen).</summary>
    public const string OtherPatientField = "hp_patient_other";
    public const string ConsentField = "hp_consent";
    public const string Allow = "allow";

    private enum Posted
    {
        Nothing,
        Answer,
        Forged,
    }

    /// <summary>The patient the token is about: the user's own, or the one a clinician picked; otherwise the page to answer (picker or refusal).</summary>
    public async Task<(IResult? Answer, string? PatientId)> PatientContextAsync(HttpContext context, OpenIddictRequest request, PlatformUser user, IReadOnlyList<string> roles)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(user);
        if (user.PatientId is { } own)
        {
            return (null, own);
        }

        if (!roles.Any(PlatformRoles.Clinical.Contains))
        {
            return (AuthorizationEndpoints.Refuse(Errors.AccessDenied, "No patient context is available for this user."), null);
        }

        var (posted, form) = await PostedAsync(context, PatientField, OtherPatientField);
        var typed = form?[OtherPatientField].ToString().Trim();
        var chosen = !string.IsNullOrEmpty(typed) ? typed : form?[PatientField].ToString();
        switch (posted)
        {
            case Posted.Forged:
                return (AccountPages.Refused(), null);
            case Posted.Nothing when request.HasPromptValue(PromptValues.None):
                return (AuthorizationEndpoints.Refuse(Errors.InteractionRequired, "A patient must be chosen."), null);
            case Posted.Nothing:
                return (await PickerPageAsync(context, error: null), null);
            case Posted.Answer when !AuditEventSchema.IsFhirId(chosen):
                return (await PickerPageAsync(context, "Choose a patient, or enter a patient id (letters, digits, '-' or '.')."), null);
            default:
                return (null, chosen);
        }
    }

    /// <summary>
    /// For a third-party client: the permanent authorization the user gave for these scopes, or the
    /// consent screen, or — when the user said no — access_denied. Other clients need no consent.
    /// </summary>
    public async Task<(IResult? Answer, string? AuthorizationId)> ConsentAsync(
        HttpContext context, OpenIddictRequest request, PlatformUser user, ClaimsIdentity identity, ImmutableArray<string> scopes, string? patientId)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(user);
        var application = await applications.FindByClientIdAsync(request.ClientId!, context.RequestAborted)
            ?? throw new InvalidOperationException("The client was validated but is not registered.");
        if (!ClientSettings.IsSet(await applications.GetSettingsAsync(application, context.RequestAborted), ClientSettings.ThirdParty))
        {
            return (null, null);
        }

        var applicationId = await applications.GetIdAsync(application, context.RequestAborted);
        await foreach (var existing in authorizations.FindAsync(user.Id, applicationId, Statuses.Valid, AuthorizationTypes.Permanent, scopes, context.RequestAborted))
        {
            return (null, await authorizations.GetIdAsync(existing, context.RequestAborted));
        }

        var (posted, form) = await PostedAsync(context, ConsentField);
        var decision = form?[ConsentField].ToString();
        var clientName = await applications.GetDisplayNameAsync(application, context.RequestAborted) ?? request.ClientId!;
        switch (posted)
        {
            case Posted.Forged:
                return (AccountPages.Refused(), null);
            case Posted.Nothing when request.HasPromptValue(PromptValues.None):
                return (AuthorizationEndpoints.Refuse(Errors.ConsentRequired, "The user has not approved this app."), null);
            case Posted.Nothing:
                return (ConsentPage(context, clientName, scopes, patientId), null);
        }

        var reason = "scopes: " + string.Join(' ', scopes);
        if (!string.Equals(decision, Allow, StringComparison.Ordinal))
        {
            await events.WriteAsync(context, SecurityEventKind.AppAuthorized, AuditOutcome.Denied, user, AuditEventSchema.BoundedReason(reason), request.ClientId);
            return (AuthorizationEndpoints.Refuse(Errors.AccessDenied, "The user did not allow this app access."), null);
        }

        var authorization = await authorizations.CreateAsync(new ClaimsPrincipal(identity), user.Id, applicationId!, AuthorizationTypes.Permanent, scopes, context.RequestAborted);
        await events.WriteAsync(context, SecurityEventKind.AppAuthorized, AuditOutcome.Success, user, AuditEventSchema.BoundedReason(reason), request.ClientId);
        return (null, await authorizations.GetIdAsync(authorization, context.RequestAborted));
    }

    /// <summary>Whether this request posts an answer to one of these pages (any of <paramref name="fields"/>), and whether the post is genuine.</summary>
    private async Task<(Posted Posted, IFormCollection? Form)> PostedAsync(HttpContext context, params string[] fields)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.HasFormContentType)
        {
            return (Posted.Nothing, null);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (!fields.Any(form.ContainsKey))
        {
            return (Posted.Nothing, null);
        }

        return await antiforgery.IsRequestValidAsync(context) ? (Posted.Answer, form) : (Posted.Forged, null);
    }

    private async Task<ContentHttpResult> PickerPageAsync(HttpContext context, string? error)
    {
        // The patients this platform knows as users (the demo's); a real deployment would search the record instead.
        var known = await users.Users.AsNoTracking()
            .Where(user => user.PatientId != null)
            .OrderBy(user => user.PatientId)
            .Select(user => user.PatientId!)
            .Take(50)
            .ToListAsync(context.RequestAborted);
        var options = string.Concat(known.Select(id =>
            $"<li><label><input type=\"radio\" name=\"{PatientField}\" value=\"{AccountPages.Encode(id)}\"> Patient/{AccountPages.Encode(id)}</label></li>"));
        return AccountPages.Render(
            "Choose a patient",
            AccountPages.Alert(error)
            + "<p>The app asks to work with one patient's record. Choose the patient:</p>"
            + FormBackToAuthorize(
                context,
                $"""
                <ul id="patients">{options}</ul>
                <label>Or enter a patient id <input name="{OtherPatientField}" autocomplete="off"></label>
                """,
                "<button type=\"submit\">Continue</button>"));
    }

    private ContentHttpResult ConsentPage(HttpContext context, string clientName, ImmutableArray<string> scopes, string? patientId)
    {
        var items = string.Concat(scopes.Select(scope => $"<li>{AccountPages.Encode(ScopeWords.Describe(scope))} <small>({AccountPages.Encode(scope)})</small></li>"));
        return AccountPages.Render(
            "Allow access?",
            $"<p><strong>{AccountPages.Encode(clientName)}</strong> is an app made by a third party. It asks to:</p><ul id=\"requested-scopes\">{items}</ul>"
            + "<p>You can withdraw this later by signing out of the app and revoking its access.</p>"
            + FormBackToAuthorize(
                context,
                // The patient a clinician picked goes along (and is checked again when the answer arrives).
                patientId is null ? string.Empty : AccountPages.Hidden(PatientField, patientId),
                $"""
                <button type="submit" name="{ConsentField}" value="{Allow}">Allow</button>
                <button type="submit" name="{ConsentField}" value="deny">Deny</button>
                """));
    }

    /// <summary>A form posting the request's own parameters (never this page's fields) back to the authorization endpoint.</summary>
    private string FormBackToAuthorize(HttpContext context, string fields, string buttons)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var parameters = (context.Request.HasFormContentType ? [.. context.Request.Form] : context.Request.Query.ToList())
            .Where(parameter => parameter.Key is not (PatientField or OtherPatientField or ConsentField) && parameter.Key != tokens.FormFieldName)
            .SelectMany(parameter => parameter.Value.Select(value => AccountPages.Hidden(parameter.Key, value ?? string.Empty)));
        return $"""
            <form method="post" action="{AccountPages.Encode(context.Request.PathBase + context.Request.Path)}">
            {AccountPages.Hidden(tokens.FormFieldName, tokens.RequestToken!)}
            {string.Join('\n', parameters)}
            {fields}
            {buttons}
            </form>
            """;
    }

}
