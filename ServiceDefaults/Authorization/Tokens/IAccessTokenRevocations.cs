namespace HealthPlatform.ServiceDefaults.Authorization.Tokens;

/// <summary>What a revocation check knows of a validated access token.</summary>
public sealed record AccessTokenDescriptor(string? TokenId, string? Subject, string? ClientId, DateTimeOffset? IssuedAt);

/// <summary>
/// The revocation list token validation consults after a token's signature, issuer, audience and
/// lifetime have passed: a token it calls revoked is refused (401). Services that take user traffic
/// register <see cref="Revocations.RevocationList"/> (<c>AddAccessTokenRevocations</c>), which the
/// identity service fills and fans out to every instance; without it, <see cref="NoAccessTokenRevocations"/>.
/// </summary>
public interface IAccessTokenRevocations
{
    ValueTask<bool> IsRevokedAsync(AccessTokenDescriptor token, CancellationToken cancellationToken);
}

/// <summary>The empty list: nothing is revoked before its expiry. For hosts without messaging (and tests of validation alone).</summary>
public sealed class NoAccessTokenRevocations : IAccessTokenRevocations
{
    public ValueTask<bool> IsRevokedAsync(AccessTokenDescriptor token, CancellationToken cancellationToken) => ValueTask.FromResult(false);
}
