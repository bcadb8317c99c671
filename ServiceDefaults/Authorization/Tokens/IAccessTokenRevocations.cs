namespace HealthPlatform.ServiceDefaults.Authorization.Tokens;

/// <summary>What a revocation check knows of a validated access token.</summary>
public sealed record AccessTokenDescriptor(string? TokenId, string? Subject, string? ClientId, DateTimeOffset? IssuedAt);

/// <summary>
/// The revocation list token validation consults after a token's signature, issuer, audience and
/// lifetime have passed: a token it calls revoked is refused (401). The identity service fills
/// the list (revoked tokens, disabled users and clients) and fans it out to every instance; until
/// that is registered, <see cref="NoAccessTokenRevocations"/> stands in.
/// </summary>
public interface IAccessTokenRevocations
{
    ValueTask<bool> IsRevokedAsync(AccessTokenDescriptor token, CancellationToken cancellationToken);
}

/// <summary>The empty list: nothing is revoked before its expiry. Replaced once the revocation fan-out exists.</summary>
public sealed class NoAccessTokenRevocations : IAccessTokenRevocations
{
    public ValueTask<bool> IsRevokedAsync(AccessTokenDescriptor token, CancellationToken cancellationToken) => ValueTask.FromResult(false);
}
