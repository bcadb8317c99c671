using System.Security.Cryptography;
using System.Text;
using HealthPlatform.Contracts.Audit;

namespace HealthPlatform.Consent.Client;

/// <summary>Who asks for the data: the user's subject id, their FHIR Practitioner id, roles, organisation and client app.</summary>
public sealed record ConsentActor
{
    public string? UserId { get; init; }

    /// <summary>The FHIR Practitioner id (the token's <c>fhirUser</c>, with or without <c>Practitioner/</c>).</summary>
    public string? Practitioner { get; init; }

    public IReadOnlyList<string> Roles { get; init; } = [];

    public string? Organization { get; init; }

    public string? ClientId { get; init; }
}

/// <summary>
/// May <see cref="Actor"/> see <see cref="PatientId"/>'s <see cref="ResourceType"/> data carrying
/// <see cref="SecurityLabels"/> for <see cref="Purpose"/>? <see cref="PurposeOfUse.Emergency"/>
/// asks for break-the-glass.
/// </summary>
public sealed record ConsentQuestion
{
    public required string PatientId { get; init; }

    public required ConsentActor Actor { get; init; }

    public required PurposeOfUse Purpose { get; init; }

    public required string ResourceType { get; init; }

    /// <summary>The security label codes the data carries (PSY, HIV, SUD, ETH, R, V matter; U, L, M, N are accepted).</summary>
    public IReadOnlyList<string> SecurityLabels { get; init; } = [];

    /// <summary>
    /// A keyed digest (HMAC-SHA256 under <paramref name="secret"/>, which never leaves the process)
    /// of everything that decides the answer, in a canonical order: equal questions have equal
    /// keys, and a key that reaches a log names no patient or user, nor can be recomputed from
    /// lists of them.
    /// </summary>
    internal string CacheKey(byte[] secret)
    {
        var canonical = string.Join('\n',
            PatientId, Actor.UserId, Actor.Practitioner, string.Join(',', Actor.Roles.Order(StringComparer.Ordinal)), Actor.Organization, Actor.ClientId,
            PurposeOfUseCodes.CodeOf(Purpose), ResourceType, string.Join(',', SecurityLabels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)));
        return Convert.ToHexString(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(canonical)));
    }
}
