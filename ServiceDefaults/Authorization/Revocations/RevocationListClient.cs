using System.Net.Http.Json;
using HealthPlatform.Contracts.Revocation;

namespace HealthPlatform.ServiceDefaults.Authorization.Revocations;

/// <summary>The identity service's revocation list, as its internal endpoint serves it.</summary>
public sealed record RevocationListSnapshot
{
    public required IReadOnlyList<AccessRevoked> Revocations { get; init; }
}

/// <summary>Reads the revocation list from the identity service's internal endpoint (mTLS; the callee must be the identity service).</summary>
public sealed class RevocationListClient(HttpClient http)
{
    public const string Path = "/revocations";

    public async Task<RevocationListSnapshot> GetAsync(CancellationToken cancellationToken) =>
        await http.GetFromJsonAsync<RevocationListSnapshot>(Path, cancellationToken)
        ?? throw new InvalidOperationException("The identity service answered an empty revocation list document.");
}
