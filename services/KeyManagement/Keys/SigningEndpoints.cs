using System.Security.Cryptography;
using System.Text.Json.Serialization;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace HealthPlatform.KeyManagement.Keys;

public sealed record SignRequest
{
    /// <summary>The bytes to sign (base64), at most 64 KiB — a checkpoint, not a document.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; init; }
}

public sealed record VerifyRequest
{
    [JsonPropertyName("message")]
    public string? Message { get; init; }

    /// <summary>ECDSA P-256 / SHA-256, IEEE P1363 (r ‖ s), base64.</summary>
    [JsonPropertyName("signature")]
    public string? Signature { get; init; }

    [JsonPropertyName("key_version")]
    public int? KeyVersion { get; init; }
}

public sealed record SignatureResponse(
    [property: JsonPropertyName("key_name")] string KeyName,
    [property: JsonPropertyName("key_version")] int KeyVersion,
    [property: JsonPropertyName("signature")] string Signature);

public sealed record VerificationResponse(
    [property: JsonPropertyName("key_name")] string KeyName,
    [property: JsonPropertyName("key_version")] int KeyVersion,
    [property: JsonPropertyName("valid")] bool Valid);

public sealed record KeyVersionMetadata(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("wrap_count")] long WrapCount,
    [property: JsonPropertyName("public_key")] string? PublicKey);

public sealed record KeyMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("current_version")] int CurrentVersion,
    [property: JsonPropertyName("minimum_decryption_version")] int MinimumDecryptionVersion,
    [property: JsonPropertyName("last_rotated_at")] DateTimeOffset LastRotatedAt,
    [property: JsonPropertyName("versions")] IReadOnlyList<KeyVersionMetadata> Versions);

/// <summary>
/// Signing (ECDSA P-256, SHA-256) with a signing key's current version and verification with any
/// version still in force — for the audit service's checkpoints — and every key's metadata
/// (versions, dates, wrap counts, a signing key's public keys; never secret material) for the
/// services its policy names. Audited like every operation.
/// </summary>
public static class SigningEndpoints
{
    private const int MaxMessageBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapSigningAndMetadata(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/keys/{name}/sign", SignAsync).RequireAnyService();
        endpoints.MapPost("/keys/{name}/verify", VerifyAsync).RequireAnyService();
        endpoints.MapGet("/keys/{name}", MetadataAsync).RequireAnyService();
        return endpoints;
    }

    private static async Task<Results<Ok<SignatureResponse>, ProblemHttpResult>> SignAsync(
        HttpContext context, string name, SignRequest? request, KeyRing ring, IOptions<KeyManagementOptions> options, IAuditTrail trail)
    {
        if (await DataKeyEndpoints.RefusedAsync(context, name, KeyOperation.Sign, ManagedKeyKind.Signing, options.Value, trail) is { } refusal)
        {
            return refusal;
        }

        if (Message(request?.Message) is not { } message)
        {
            return await DataKeyEndpoints.RefuseAsync(context, trail, KeyOperation.Sign, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "malformed-message", $"message must be base64 of 1 to {MaxMessageBytes} bytes.");
        }

        var key = await ring.CurrentAsync(name, ManagedKeyKind.Signing, context.RequestAborted);
        using var signer = ECDsa.Create();
        signer.ImportPkcs8PrivateKey(key.Material, out _);
        var signature = signer.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        await DataKeyEndpoints.AuditAsync(context, trail, KeyOperation.Sign, name, key.Version, AuditOutcome.Success);
        return TypedResults.Ok(new SignatureResponse(name, key.Version, Convert.ToBase64String(signature)));
    }

    private static async Task<Results<Ok<VerificationResponse>, ProblemHttpResult>> VerifyAsync(
        HttpContext context, string name, VerifyRequest? request, KeyRing ring, IOptions<KeyManagementOptions> options, IAuditTrail trail)
    {
        if (await DataKeyEndpoints.RefusedAsync(context, name, KeyOperation.Verify, ManagedKeyKind.Signing, options.Value, trail) is { } refusal)
        {
            return refusal;
        }

        var message = Message(request?.Message);
        var signature = Message(request?.Signature);
        if (message is null || signature is null || request?.KeyVersion is not { } version)
        {
            return await DataKeyEndpoints.RefuseAsync(context, trail, KeyOperation.Verify, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "malformed-message", "message, signature (base64) and key_version are required.");
        }

        if (await ring.VersionAsync(name, version, context.RequestAborted) is not { } key)
        {
            return await DataKeyEndpoints.RefuseAsync(context, trail, KeyOperation.Verify, name, null, AuditOutcome.Failed, StatusCodes.Status400BadRequest, "unknown-key-version", "The key has no such version.");
        }

        using var verifier = ECDsa.Create();
        verifier.ImportPkcs8PrivateKey(key.Material, out _);
        var valid = verifier.VerifyData(message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        await DataKeyEndpoints.AuditAsync(context, trail, KeyOperation.Verify, name, key.Version, valid ? AuditOutcome.Success : AuditOutcome.Failed);
        return TypedResults.Ok(new VerificationResponse(name, key.Version, valid));
    }

    private static async Task<Results<Ok<KeyMetadata>, ProblemHttpResult>> MetadataAsync(
        HttpContext context, string name, KeyRing ring, IOptions<KeyManagementOptions> options, IAuditTrail trail)
    {
        if (await DataKeyEndpoints.RefusedAsync(context, name, KeyOperation.ReadMetadata, kind: null, options.Value, trail) is { } refusal)
        {
            return refusal;
        }

        var kind = options.Value.Keys[name].Kind;
        await ring.CurrentAsync(name, kind, context.RequestAborted);
        var state = (await ring.StateAsync(name, context.RequestAborted))!;
        var versions = new List<KeyVersionMetadata>();
        foreach (var record in await ring.VersionsAsync(name, context.RequestAborted))
        {
            string? publicKey = null;
            if (kind == ManagedKeyKind.Signing && await ring.VersionAsync(name, record.Version, context.RequestAborted) is { } key)
            {
                using var signer = ECDsa.Create();
                signer.ImportPkcs8PrivateKey(key.Material, out _);
                publicKey = Convert.ToBase64String(signer.ExportSubjectPublicKeyInfo());
            }

            versions.Add(new KeyVersionMetadata(record.Version, record.CreatedAt, record.WrapCount, publicKey));
        }

        await DataKeyEndpoints.AuditAsync(context, trail, KeyOperation.ReadMetadata, name, versions[^1].Version, AuditOutcome.Success);
        return TypedResults.Ok(new KeyMetadata(name, kind.ToString(), versions[^1].Version, state.MinimumDecryptionVersion, state.LastRotatedAt, versions));
    }

    private static byte[]? Message(string? base64)
    {
        try
        {
            var bytes = Convert.FromBase64String(base64 ?? string.Empty);
            return bytes.Length is > 0 and <= MaxMessageBytes ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
