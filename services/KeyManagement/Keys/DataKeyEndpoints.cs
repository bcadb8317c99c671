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
        endpoints.MapPost("/keys/{name}/rewrap", RewrapAsync).RequireAnyService();
        return endpoints;
    }

    private static async Task<Results<Ok<DataKeyResponse>, ProblemHttpResult>> GenerateAsync(
        HttpContext context, string name, GenerateDataKeyRequest? request, KeyRing ring, IOptions<KeyManagementOptions> options, IAuditTrail trail)
    {
        var operation = request?.IncludePlaintext == false ? KeyOperation.GenerateDataKeyWithoutPlaintext : KeyOperation.GenerateDataKey;
        if (await RefusedAsync(context, name, operation, ManagedKeyKind.Encryption, options.Value, trail) is { } refusal)
        {
            return refusal;
        }

        var kek = await ring.CurrentAsync(name, ManagedKeyKind.Encryption, context.RequestAborted);
        var dataKey = RandomNumberGenerator.GetBytes(WrappedDataKey.DataKeySize);
        try
        {
            var wrapped = WrappedDataKey.Wrap(kek, dataKey);
            await ring.CountWrapAsync(name, kek.Version, context.RequestAborted);
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
        var (opened, refusal) = await OpenAsync(context, name, request, KeyOperation.Unwrap, ring, options.Value, trail);
        if (refusal is not null)
        {
            return refusal;
        }

        var (kek, dataKey) = opened!.Value;
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

    /// <summary>An old wrap in, a wrap under the current version out: the data key never leaves this service.</summary>
    private static async Task<Results<Ok<DataKeyResponse>, ProblemHttpResult>> RewrapAsync(
        HttpContext context, string name, UnwrapRequest? request, KeyRing ring, IOptions<KeyManagementOptions> options, IAuditTrail trail)
    {
        var (opened, refusal) = await OpenAsync(context, name, request, KeyOperation.Rewrap, ring, options.Value, trail);
        if (refusal is not null)
        {
            return refusal;
        }

        var (_, dataKey) = opened!.Value;
        try
        {
            var current = await ring.CurrentAsync(name, ManagedKeyKind.Encryption, context.RequestAborted);
            var rewrapped = WrappedDataKey.Wrap(current, dataKey);
            await ring.CountWrapAsync(name, current.Version, context.RequestAborted);
            await AuditAsync(context, trail, KeyOperation.Rewrap, name, current.Version, AuditOutcome.Success);
            return TypedResults.Ok(new DataKeyResponse(name, current.Version, Convert.ToBase64String(rewrapped.ToBytes()), PlaintextKey: null));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>
    /// Checks the caller and the wrap — base64, an envelope of this service, under this key, a
    /// version that exists and is not retired, not altered — and returns the data key; or the
    /// refusal, audited.
    /// </summary>
    private static async Task<((KeyEncryptionKey Kek, byte[] DataKey)? Opened, ProblemHttpResult? Refusal)> OpenAsync(
        HttpContext context, string name, UnwrapRequest? request, KeyOperation operation, KeyRing ring, KeyManagementOptions options, IAuditTrail trail)
    {
        if (await RefusedAsync(context, name, operation, ManagedKeyKind.Encryption, options, trail) is { } refusal)
        {
            return (null, refusal);
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(request?.WrappedKey ?? string.Empty);
        }
        catch (FormatException)
        {
            return (null, await RefuseAsync(context, trail, operation, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "malformed-wrapped-key", "wrapped_key must be the base64 of a wrapped data key."));
        }

        if (!WrappedDataKey.TryParse(bytes, out var wrapped))
        {
            return (null, await RefuseAsync(context, trail, operation, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "malformed-wrapped-key", "This is not a wrapped data key (truncated, or not from this service)."));
        }

        if (wrapped!.KeyName != name)
        {
            return (null, await RefuseAsync(context, trail, operation, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "wrong-key", "The data key was wrapped under another key."));
        }

        if (await ring.VersionAsync(name, wrapped.KeyVersion, context.RequestAborted) is not { } kek)
        {
            return (null, await RefuseAsync(context, trail, operation, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "unknown-key-version", "The key has no such version."));
        }

        if (await ring.StateAsync(name, context.RequestAborted) is { } state && kek.Version < state.MinimumDecryptionVersion)
        {
            return (null, await RefuseAsync(context, trail, operation, name, kek.Version, AuditOutcome.Denied, StatusCodes.Status400BadRequest, "version-retired", $"Versions below {state.MinimumDecryptionVersion} no longer decrypt."));
        }

        try
        {
            return ((kek, wrapped.Unwrap(kek)), null);
        }
        catch (AuthenticationTagMismatchException)
        {
            return (null, await RefuseAsync(context, trail, operation, name, kek.Version, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "tampered-wrapped-key", "The wrapped key was altered: it cannot be unwrapped."));
        }
    }

    /// <summary>The name, the key's existence and kind, and the caller's right to <paramref name="operation"/>: the first that fails, refused and audited.</summary>
    internal static async Task<ProblemHttpResult?> RefusedAsync(HttpContext context, string name, KeyOperation operation, ManagedKeyKind? kind, KeyManagementOptions options, IAuditTrail trail)
    {
        if (await UnknownKeyAsync(context, name, operation, kind, options, trail) is { } unknown)
        {
            return unknown;
        }

        var key = options.Keys[name];
        var caller = context.User.FindFirst(ServiceAuthentication.ServiceClaim)?.Value;
        var allowed = operation == KeyOperation.ReadMetadata ? caller is not null && key.Callers.ContainsKey(caller) : key.Allows(caller, operation);
        if (!allowed)
        {
            return await RefuseAsync(context, trail, operation, name, null, AuditOutcome.Denied, StatusCodes.Status403Forbidden, "not-allowed", "This service may not perform this operation with this key.");
        }

        return null;
    }

    /// <summary>The name, the key's existence and (when given) its kind: the first that fails, refused and audited.</summary>
    internal static async Task<ProblemHttpResult?> UnknownKeyAsync(HttpContext context, string name, KeyOperation operation, ManagedKeyKind? kind, KeyManagementOptions options, IAuditTrail trail)
    {
        if (!KeyManagementOptions.IsKeyName(name))
        {
            return await RefuseAsync(context, trail, operation, UnreadableKeyName, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "invalid-key-name", "A key name is lower-case letters, digits and '-'.");
        }

        if (!options.Keys.TryGetValue(name, out var key))
        {
            return await RefuseAsync(context, trail, operation, name, null, AuditOutcome.Failed, StatusCodes.Status404NotFound, "unknown-key", "There is no key of this name.");
        }

        if (kind is not null && key.Kind != kind)
        {
            return await RefuseAsync(context, trail, operation, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "wrong-key-kind",
                kind == ManagedKeyKind.Encryption ? "This key does not wrap data keys." : "This key does not sign.");
        }

        return null;
    }

    internal static async Task<ProblemHttpResult> RefuseAsync(
        HttpContext context, IAuditTrail trail, KeyOperation operation, string keyName, int? version, AuditOutcome outcome, int status, string code, string detail, string? subjectId = null)
    {
        await AuditAsync(context, trail, operation, keyName, version, outcome, subjectId);
        return TypedResults.Problem(detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = code });
    }

    internal static Task AuditAsync(
        HttpContext context, IAuditTrail trail, KeyOperation operation, string keyName, int? version, AuditOutcome outcome, string? subjectId = null, string? reason = null) =>
        trail.RecordAsync(
            new KeyOperationPerformed
            {
                Header = trail.NewHeader(),
                Actor = AuditActors.FromRequest(context),
                Operation = operation,
                KeyName = keyName,
                KeyVersion = version,
                SubjectId = subjectId,
                Outcome = outcome,
                Reason = AuditEventSchema.BoundedReason(reason),
            },
            context.RequestAborted);
}
