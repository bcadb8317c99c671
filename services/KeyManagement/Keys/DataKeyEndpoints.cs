using System.Security.Cryptography;
using System.Text.Json.Serialization;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace HealthPlatform.KeyManagement.Keys;

public sealed record GenerateDataKeyRequest
{
    /// <summary>false: only the wrapped key (AWS KMS's GenerateDataKeyWithoutPlaintext), for a caller that stores it for later.</summary>
    [JsonPropertyName("include_plaintext")]
    public bool IncludePlaintext { get; init; } = true;
}

public sealed record UnwrapRequest
{
    [JsonPropertyName("wrapped_key")]
    public string? WrappedKey { get; init; }
}

public sealed record DataKeyResponse(
    [property: JsonPropertyName("key_name")] string KeyName,
    [property: JsonPropertyName("key_version")] int KeyVersion,
    [property: JsonPropertyName("wrapped_key")] string? WrappedKey,
    [property: JsonPropertyName("plaintext_key")] string? PlaintextKey);

/// <summary>
/// Envelope encryption on the internal (mTLS) listener: a fresh AES-256 data key, returned in
/// clear and wrapped under the named key's current version; and unwrapping a wrapped data key.
/// Each call is allowed only to the services the key's policy names for that operation, and each —
/// allowed or refused — is an audit event, recorded (broker-confirmed) before any key leaves.
/// Refusals are ProblemDetails with a <c>code</c>; no key material in any error or log.
/// </summary>
public static class DataKeyEndpoints
{
    /// <summary>The key name audit events carry when the requested one is not a key name at all.</summary>
    private const string UnreadableKeyName = "invalid-key-name";

    public static IEndpointRouteBuilder MapDataKeys(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/keys/{name}/data-keys", GenerateAsync).RequireAnyService();
        endpoints.MapPost("/keys/{name}/unwrap", UnwrapAsync).RequireAnyService();
        return endpoints;
    }

    private static async Task<Results<Ok<DataKeyResponse>, ProblemHttpResult>> GenerateAsync(
        HttpContext context, string name, GenerateDataKeyRequest? request, KeyRing ring, IOptions<KeyManagementOptions> options, IAuditTrail trail)
    {
        var operation = request?.IncludePlaintext == false ? KeyOperation.GenerateDataKeyWithoutPlaintext : KeyOperation.GenerateDataKey;
        if (await RefusedAsync(context, name, operation, options.Value, trail) is { } refusal)
        {
            return refusal;
        }

        var kek = await ring.CurrentAsync(name, ManagedKeyKind.Encryption, context.RequestAborted);
        var dataKey = RandomNumberGenerator.GetBytes(WrappedDataKey.DataKeySize);
        try
        {
            var wrapped = WrappedDataKey.Wrap(kek, dataKey);
            await AuditAsync(context, trail, operation, name, kek.Version, AuditOutcome.Success);
            return TypedResults.Ok(new DataKeyResponse(
                name,
                kek.Version,
                Convert.ToBase64String(wrapped.ToBytes()),
                operation == KeyOperation.GenerateDataKey ? Convert.ToBase64String(dataKey) : null));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    private static async Task<Results<Ok<DataKeyResponse>, ProblemHttpResult>> UnwrapAsync(
        HttpContext context, string name, UnwrapRequest? request, KeyRing ring, IOptions<KeyManagementOptions> options, IAuditTrail trail)
    {
        if (await RefusedAsync(context, name, KeyOperation.Unwrap, options.Value, trail) is { } refusal)
        {
            return refusal;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(request?.WrappedKey ?? string.Empty);
        }
        catch (FormatException)
        {
            return await RefuseAsync(context, trail, KeyOperation.Unwrap, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "malformed-wrapped-key", "wrapped_key must be the base64 of a wrapped data key.");
        }

        if (!WrappedDataKey.TryParse(bytes, out var wrapped))
        {
            return await RefuseAsync(context, trail, KeyOperation.Unwrap, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "malformed-wrapped-key", "This is not a wrapped data key (truncated, or not from this service).");
        }

        if (wrapped!.KeyName != name)
        {
            return await RefuseAsync(context, trail, KeyOperation.Unwrap, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "wrong-key", "The data key was wrapped under another key.");
        }

        if (await ring.VersionAsync(name, wrapped.KeyVersion, context.RequestAborted) is not { } kek)
        {
            return await RefuseAsync(context, trail, KeyOperation.Unwrap, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "unknown-key-version", "The key has no such version.");
        }

        byte[] dataKey;
        try
        {
            dataKey = wrapped.Unwrap(kek);
        }
        catch (AuthenticationTagMismatchException)
        {
            return await RefuseAsync(context, trail, KeyOperation.Unwrap, name, kek.Version, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "tampered-wrapped-key", "The wrapped key was altered: it cannot be unwrapped.");
        }

        try
        {
            await AuditAsync(context, trail, KeyOperation.Unwrap, name, kek.Version, AuditOutcome.Success);
            return TypedResults.Ok(new DataKeyResponse(name, kek.Version, WrappedKey: null, Convert.ToBase64String(dataKey)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>The name, the key's existence and kind, and the caller's right to <paramref name="operation"/>: the first that fails, refused and audited.</summary>
    private static async Task<ProblemHttpResult?> RefusedAsync(HttpContext context, string name, KeyOperation operation, KeyManagementOptions options, IAuditTrail trail)
    {
        if (!KeyManagementOptions.IsKeyName(name))
        {
            return await RefuseAsync(context, trail, operation, UnreadableKeyName, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "invalid-key-name", "A key name is lower-case letters, digits and '-'.");
        }

        if (!options.Keys.TryGetValue(name, out var key))
        {
            return await RefuseAsync(context, trail, operation, name, null, AuditOutcome.Failed, StatusCodes.Status404NotFound, "unknown-key", "There is no key of this name.");
        }

        if (key.Kind != ManagedKeyKind.Encryption)
        {
            return await RefuseAsync(context, trail, operation, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "wrong-key-kind", "This key does not wrap data keys.");
        }

        if (!key.Allows(context.User.FindFirst(ServiceAuthentication.ServiceClaim)?.Value, operation))
        {
            return await RefuseAsync(context, trail, operation, name, null, AuditOutcome.Denied, StatusCodes.Status403Forbidden, "not-allowed", "This service may not perform this operation with this key.");
        }

        return null;
    }

    private static async Task<ProblemHttpResult> RefuseAsync(
        HttpContext context, IAuditTrail trail, KeyOperation operation, string keyName, int? version, AuditOutcome outcome, int status, string code, string detail)
    {
        await AuditAsync(context, trail, operation, keyName, version, outcome);
        return TypedResults.Problem(detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = code });
    }

    private static Task AuditAsync(HttpContext context, IAuditTrail trail, KeyOperation operation, string keyName, int? version, AuditOutcome outcome) =>
        trail.RecordAsync(
            new KeyOperationPerformed
            {
                Header = trail.NewHeader(),
                Actor = AuditActors.FromRequest(context),
                Operation = operation,
                KeyName = keyName,
                KeyVersion = version,
                Outcome = outcome,
            },
            context.RequestAborted);
}
