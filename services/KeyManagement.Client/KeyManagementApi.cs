using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HealthPlatform.KeyManagement.Client;

/// <summary>A data key as the service hands it out: the key (when asked for) and its wrap under a key version.</summary>
public sealed record DataKey(string KeyName, int KeyVersion, byte[]? Plaintext, byte[]? Wrapped);

/// <summary>A signature and the signing key version that made it.</summary>
public sealed record Signature(string KeyName, int KeyVersion, byte[] Value);

/// <summary>
/// The key-management service's internal API over mTLS (this service's certificate; the callee's
/// must name key-management). Every call is one request; refusals become
/// <see cref="KeyManagementException"/> with the service's code. Most callers want
/// <see cref="DataCipher"/>, which caches keys; this is the uncached wire.
/// </summary>
public sealed class KeyManagementApi(HttpClient http)
{
    /// <summary>A fresh AES-256 data key, in clear and wrapped (or, <paramref name="includePlaintext"/> false, only wrapped).</summary>
    public async Task<DataKey> GenerateDataKeyAsync(string keyName, bool includePlaintext, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(Route(keyName, "data-keys"), new { include_plaintext = includePlaintext }, cancellationToken);
        return ToDataKey(answer);
    }

    /// <summary>The data key inside <paramref name="wrapped"/>.</summary>
    public async Task<DataKey> UnwrapAsync(string keyName, byte[] wrapped, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(Route(keyName, "unwrap"), new { wrapped_key = Convert.ToBase64String(wrapped) }, cancellationToken);
        return ToDataKey(answer) with { Wrapped = wrapped };
    }

    /// <summary>The same data key wrapped under the key's current version (it never leaves the service in clear).</summary>
    public async Task<DataKey> RewrapAsync(string keyName, byte[] wrapped, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(Route(keyName, "rewrap"), new { wrapped_key = Convert.ToBase64String(wrapped) }, cancellationToken);
        return ToDataKey(answer);
    }

    /// <summary>The subject's own key; <see cref="SubjectKeyDestroyedException"/> once it was destroyed.</summary>
    public async Task<DataKey> SubjectKeyAsync(string keyName, string subjectId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subjectId);
        try
        {
            var answer = await SendAsync(Route(keyName, "subjects/" + Uri.EscapeDataString(subjectId)), new { }, cancellationToken);
            return ToDataKey(answer);
        }
        catch (KeyManagementException refused) when (refused.Code == SubjectKeyDestroyedException.ProblemCode)
        {
            throw new SubjectKeyDestroyedException(keyName, subjectId);
        }
    }

    public async Task<Signature> SignAsync(string keyName, byte[] message, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(Route(keyName, "sign"), new { message = Convert.ToBase64String(message) }, cancellationToken);
        return new Signature(answer.KeyName, answer.KeyVersion, Convert.FromBase64String(answer.Signature ?? string.Empty));
    }

    public async Task<bool> VerifyAsync(string keyName, byte[] message, Signature signature, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var answer = await SendAsync(
            Route(keyName, "verify"),
            new { message = Convert.ToBase64String(message), signature = Convert.ToBase64String(signature.Value), key_version = signature.KeyVersion },
            cancellationToken);
        return answer.Valid == true;
    }

    private static string Route(string keyName, string operation)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyName);
        return $"/keys/{Uri.EscapeDataString(keyName)}/{operation}";
    }

    private async Task<Answer> SendAsync(string path, object body, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(path, body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var problem = await ProblemOfAsync(response, cancellationToken);
            throw new KeyManagementException(problem.Code ?? "unexpected-status", (int)response.StatusCode, problem.Detail ?? $"The key-management service answered {(int)response.StatusCode}.");
        }

        return await response.Content.ReadFromJsonAsync<Answer>(cancellationToken)
            ?? throw new KeyManagementException("empty-answer", (int)response.StatusCode, "The key-management service answered an empty document.");
    }

    private static async Task<Problem> ProblemOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<Problem>(cancellationToken) ?? new Problem();
        }
        catch (JsonException)
        {
            return new Problem();
        }
    }

    private static DataKey ToDataKey(Answer answer) => new(
        answer.KeyName,
        answer.KeyVersion,
        answer.PlaintextKey is null ? null : Convert.FromBase64String(answer.PlaintextKey),
        answer.WrappedKey is null ? null : Convert.FromBase64String(answer.WrappedKey));

    private sealed record Answer(
        [property: JsonPropertyName("key_name")] string KeyName,
        [property: JsonPropertyName("key_version")] int KeyVersion,
        [property: JsonPropertyName("wrapped_key")] string? WrappedKey,
        [property: JsonPropertyName("plaintext_key")] string? PlaintextKey,
        [property: JsonPropertyName("signature")] string? Signature,
        [property: JsonPropertyName("valid")] bool? Valid);

    private sealed record Problem
    {
        [JsonPropertyName("code")]
        public string? Code { get; init; }

        [JsonPropertyName("detail")]
        public string? Detail { get; init; }
    }
}
