namespace HealthPlatform.Contracts.Revocation;

/// <summary>What a revocation covers.</summary>
public enum RevocationScope
{
    /// <summary>One access token, by its <c>jti</c>.</summary>
    Token = 1,

    /// <summary>Every token issued to a user (<c>sub</c>) up to the moment of revocation.</summary>
    Subject,

    /// <summary>Every token issued to a client (<c>client_id</c>) up to the moment of revocation.</summary>
    Client,
}

/// <summary>
/// Published by the identity service when access is revoked: every instance of every service that
/// validates tokens receives it (each on its own auto-delete queue) and refuses the tokens it
/// covers from then on. The identity service keeps the list durably, for instances that start later.
/// </summary>
public sealed record AccessRevoked
{
    public required Guid RevocationId { get; init; }

    public required RevocationScope Scope { get; init; }

    /// <summary>The token's <c>jti</c>, the user's <c>sub</c>, or the <c>client_id</c>.</summary>
    public required string Value { get; init; }

    /// <summary>Tokens issued (<c>iat</c>) at or before this instant are refused (for <see cref="RevocationScope.Subject"/> and <see cref="RevocationScope.Client"/>).</summary>
    public required DateTimeOffset RevokedAt { get; init; }

    /// <summary>After this instant every token the entry covers has expired anyway: it may be forgotten.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }
}
