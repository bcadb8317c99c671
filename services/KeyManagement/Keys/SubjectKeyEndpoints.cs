using System.Security.Cryptography;
using System.Text.Json.Serialization;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace HealthPlatform.KeyManagement.Keys;

public sealed record SubjectKeyResponse(
    [property: JsonPropertyName("key_name")] string KeyName,
    [property: JsonPropertyName("key_version")] int KeyVersion,
    [property: JsonPropertyName("subject_id")] string SubjectId,
    [property: JsonPropertyName("plaintext_key")] string PlaintextKey);

/// <summary>
/// A subject's (patient's) data key for the services the key's policy allows (<c>GetSubjectKey</c>);
/// a destroyed one is gone (410, <c>subject-key-destroyed</c>). Destroying is an administrative
/// operation (operator certificate and a security officer's MFA token) and comes with them.
/// </summary>
public static class SubjectKeyEndpoints
{
    public static IEndpointRouteBuilder MapSubjectKeys(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/keys/{name}/subjects/{subjectId}", GetAsync).RequireAnyService();
        return endpoints;
    }

    private static async Task<Results<Ok<SubjectKeyResponse>, ProblemHttpResult>> GetAsync(
        HttpContext context, string name, string subjectId, SubjectKeys subjects, IOptions<KeyManagementOptions> options, IAuditTrail trail)
    {
        if (await DataKeyEndpoints.RefusedAsync(context, name, KeyOperation.GetSubjectKey, ManagedKeyKind.Encryption, options.Value, trail) is { } refusal)
        {
            return refusal;
        }

        if (!SubjectKeys.IsSubjectId(subjectId))
        {
            return await DataKeyEndpoints.RefuseAsync(context, trail, KeyOperation.GetSubjectKey, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "invalid-subject", "A subject is a FHIR id: 1–64 letters, digits, '-' or '.'.");
        }

        if (await subjects.GetOrCreateAsync(name, subjectId, context.RequestAborted) is not { } key)
        {
            await DataKeyEndpoints.AuditAsync(context, trail, KeyOperation.GetSubjectKey, name, null, AuditOutcome.Denied, subjectId);
            return TypedResults.Problem(
                detail: "This subject's key was destroyed: their data can no longer be decrypted.",
                statusCode: StatusCodes.Status410Gone,
                extensions: new Dictionary<string, object?> { ["code"] = "subject-key-destroyed" });
        }

        try
        {
            await DataKeyEndpoints.AuditAsync(context, trail, KeyOperation.GetSubjectKey, name, key.KeyVersion, AuditOutcome.Success, subjectId);
            return TypedResults.Ok(new SubjectKeyResponse(name, key.KeyVersion, subjectId, Convert.ToBase64String(key.Key)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key.Key);
        }
    }
}
