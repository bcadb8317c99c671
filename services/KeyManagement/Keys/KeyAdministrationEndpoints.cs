using System.Security.Claims;
using System.Text.Json.Serialization;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Authorization;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace HealthPlatform.KeyManagement.Keys;

public sealed record KeyAdministrationRequest
{
    /// <summary>Why (an erasure request's reference, an incident): recorded in the audit event. Required to destroy a subject's key.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    /// <summary>For the minimum decryption version: wraps of older versions are refused from now on.</summary>
    [JsonPropertyName("version")]
    public int? Version { get; init; }
}

public sealed record RotationResponse(
    [property: JsonPropertyName("key_name")] string KeyName,
    [property: JsonPropertyName("key_version")] int KeyVersion);

public sealed record MinimumVersionResponse(
    [property: JsonPropertyName("key_name")] string KeyName,
    [property: JsonPropertyName("minimum_decryption_version")] int MinimumDecryptionVersion);

public sealed record SubjectKeyDestroyedResponse(
    [property: JsonPropertyName("key_name")] string KeyName,
    [property: JsonPropertyName("subject_id")] string SubjectId,
    [property: JsonPropertyName("had_key")] bool HadKey);

/// <summary>
/// The administrative operations — rotate now, set the minimum decryption version, destroy a
/// subject's key — on the internal listener, for two proofs at once: the operator certificate on
/// the connection (<c>spiffe://healthplatform/operator</c>; any other caller is refused before the
/// route) and a security officer's access token for this API (<c>key-management.admin</c>, role
/// <c>security-officer</c>, signed in with a second factor: <c>amr</c> has <c>mfa</c>; not revoked).
/// Every attempt, allowed or refused, is an audit event naming the officer, the operator
/// certificate, the key and the stated reason.
/// </summary>
public static class KeyAdministrationEndpoints
{
    /// <summary>The platform identity of the operator certificate (issued to people running the platform, not to a service).</summary>
    public const string OperatorIdentity = "operator";

    /// <summary>RFC 8176: a second factor was used.</summary>
    private const string MultiFactor = "mfa";

    public static IEndpointRouteBuilder MapKeyAdministration(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var admin = endpoints.MapGroup("/admin/keys").RequireService(OperatorIdentity);
        admin.MapPost("/{name}/rotate", RotateAsync);
        admin.MapPost("/{name}/minimum-decryption-version", SetMinimumDecryptionVersionAsync);
        admin.MapPost("/{name}/subjects/{subjectId}/destroy", DestroySubjectKeyAsync);
        return endpoints;
    }

    private static async Task<Results<Ok<RotationResponse>, ProblemHttpResult>> RotateAsync(
        HttpContext context, string name, KeyAdministrationRequest? request, KeyRing ring, IOptions<KeyManagementOptions> options, IAuditTrail trail)
    {
        if (await RefusedAsync(context, name, KeyOperation.Rotate, request, options.Value, trail) is { } refusal)
        {
            return refusal;
        }

        var kind = options.Value.Keys[name].Kind;
        var rotated = await ring.RotateAsync(name, kind, _ => true, context.RequestAborted);
        await DataKeyEndpoints.AuditAsync(context, trail, KeyOperation.Rotate, name, rotated!.Version, AuditOutcome.Success, reason: request?.Reason);
        return TypedResults.Ok(new RotationResponse(name, rotated.Version));
    }

    private static async Task<Results<Ok<MinimumVersionResponse>, ProblemHttpResult>> SetMinimumDecryptionVersionAsync(
        HttpContext context, string name, KeyAdministrationRequest? request, KeyRing ring, IOptions<KeyManagementOptions> options, IAuditTrail trail)
    {
        const KeyOperation Operation = KeyOperation.SetMinimumDecryptionVersion;
        if (await RefusedAsync(context, name, Operation, request, options.Value, trail) is { } refusal)
        {
            return refusal;
        }

        var current = await ring.CurrentAsync(name, options.Value.Keys[name].Kind, context.RequestAborted);
        var state = await ring.StateAsync(name, context.RequestAborted);
        if (request?.Version is not { } version || version < 1 || version > current.Version)
        {
            return await DataKeyEndpoints.RefuseAsync(context, trail, Operation, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "invalid-version",
                $"version must be a version of the key: 1 to {current.Version}.");
        }

        if (version < state!.MinimumDecryptionVersion)
        {
            return await DataKeyEndpoints.RefuseAsync(context, trail, Operation, name, version, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "minimum-cannot-decrease",
                $"The minimum is {state.MinimumDecryptionVersion}; retired versions are never brought back.");
        }

        await ring.SetMinimumDecryptionVersionAsync(name, version, context.RequestAborted);
        await DataKeyEndpoints.AuditAsync(context, trail, Operation, name, version, AuditOutcome.Success, reason: request.Reason);
        return TypedResults.Ok(new MinimumVersionResponse(name, version));
    }

    private static async Task<Results<Ok<SubjectKeyDestroyedResponse>, ProblemHttpResult>> DestroySubjectKeyAsync(
        HttpContext context, string name, string subjectId, KeyAdministrationRequest? request, SubjectKeys subjects, IOptions<KeyManagementOptions> options, IAuditTrail trail)
    {
        const KeyOperation Operation = KeyOperation.DestroySubjectKey;
        if (await RefusedAsync(context, name, Operation, request, options.Value, trail) is { } refusal)
        {
            return refusal;
        }

        if (options.Value.Keys[name].Kind != ManagedKeyKind.Encryption)
        {
            return await DataKeyEndpoints.RefuseAsync(context, trail, Operation, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "wrong-key-kind", "This key holds no subject keys.");
        }

        if (!SubjectKeys.IsSubjectId(subjectId))
        {
            return await DataKeyEndpoints.RefuseAsync(context, trail, Operation, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "invalid-subject", "A subject is a FHIR id: 1–64 letters, digits, '-' or '.'.");
        }

        if (string.IsNullOrWhiteSpace(request?.Reason))
        {
            return await DataKeyEndpoints.RefuseAsync(context, trail, Operation, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "reason-required",
                "Destroying a subject's key erases their data for good: state why (e.g. the erasure request's reference).", subjectId);
        }

        var officer = context.User.FindFirst("sub")?.Value ?? OperatorIdentity;
        var hadKey = await subjects.DestroyAsync(name, subjectId, officer, context.RequestAborted);
        await DataKeyEndpoints.AuditAsync(context, trail, Operation, name, null, AuditOutcome.Success, subjectId, request.Reason);
        return TypedResults.Ok(new SubjectKeyDestroyedResponse(name, subjectId, hadKey));
    }

    /// <summary>
    /// The security officer's token (the operator certificate was checked before the route), then
    /// the key and the reason's length: the first that fails, refused and audited. On success the
    /// officer's identity joins the request's user, so the audit event names them.
    /// </summary>
    private static async Task<ProblemHttpResult?> RefusedAsync(
        HttpContext context, string name, KeyOperation operation, KeyAdministrationRequest? request, KeyManagementOptions options, IAuditTrail trail)
    {
        var keyName = KeyManagementOptions.IsKeyName(name) ? name : "invalid-key-name";
        var token = await context.AuthenticateAsync(TokenValidationExtensions.SchemeName);
        if (!token.Succeeded)
        {
            var presented = context.Request.Headers.Authorization.Count > 0;
            context.Response.Headers.WWWAuthenticate = presented ? "Bearer error=\"invalid_token\"" : "Bearer";
            return await DataKeyEndpoints.RefuseAsync(context, trail, operation, keyName, null, AuditOutcome.Denied, StatusCodes.Status401Unauthorized,
                presented ? "invalid-token" : "token-required", "A security officer's access token for key-management is required as well as the operator certificate.");
        }

        context.User.AddIdentities(token.Principal.Identities);
        if (!IsSecurityOfficerWithMfa(token.Principal))
        {
            return await DataKeyEndpoints.RefuseAsync(context, trail, operation, keyName, null, AuditOutcome.Denied, StatusCodes.Status403Forbidden, "security-officer-mfa-required",
                $"The token must grant {SmartScopeApis.KeyManagementAdministration} to a {PlatformRoles.SecurityOfficer} who signed in with a second factor.");
        }

        if (request?.Reason is { Length: > Contracts.Audit.AuditEventSchema.MaxReasonLength })
        {
            return await DataKeyEndpoints.RefuseAsync(context, trail, operation, keyName, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "invalid-reason",
                $"reason is at most {Contracts.Audit.AuditEventSchema.MaxReasonLength} characters.");
        }

        return await DataKeyEndpoints.UnknownKeyAsync(context, name, operation, kind: null, options, trail);
    }

    private static bool IsSecurityOfficerWithMfa(ClaimsPrincipal officer) =>
        officer.FindAll("scope").SelectMany(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Contains(SmartScopeApis.KeyManagementAdministration, StringComparer.Ordinal)
        && officer.HasClaim("role", PlatformRoles.SecurityOfficer)
        && officer.HasClaim("amr", MultiFactor);
}
