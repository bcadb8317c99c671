using HealthPlatform.Contracts.Audit;
using HealthPlatform.Contracts.Revocation;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.Identity.Server;
using HealthPlatform.ServiceDefaults.Audit;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace HealthPlatform.Identity.Revocations;

/// <summary>
/// Containment: revokes one access token, or everything a user or a client holds. The identity
/// service's own token entries (refresh tokens, authorizations) are revoked in its database at once;
/// access tokens — which services validate on their own — through a durable revocation entry and an
/// <see cref="AccessRevoked"/> event every instance of every service receives.
/// </summary>
public sealed class AccessRevocations(
    IdentityDbContext database,
    IOpenIddictTokenManager tokens,
    IOpenIddictAuthorizationManager authorizations,
    IOpenIddictApplicationManager applications,
    RevocationPublisher publisher,
    IAuditTrail trail,
    IOptions<AuthorizationServerOptions> server,
    TimeProvider time)
{
    /// <summary>How long after its revocation a subject or client entry still matters: the longest access token plus clock skew.</summary>
    private TimeSpan Coverage => server.Value.AccessTokenLifetime + TimeSpan.FromMinutes(2);

    /// <summary>Refuses one access token (by <c>jti</c>) until it expires.</summary>
    public async Task<AccessRevoked> RevokeTokenAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenId);
        cancellationToken.ThrowIfCancellationRequested();
        return await RecordAsync(RevocationScope.Token, tokenId, expiresAt + TimeSpan.FromMinutes(2));
    }

    /// <summary>
    /// Revokes everything <paramref name="subject"/> holds: refresh tokens and authorizations here,
    /// and every access token issued up to now, everywhere. Audited as <see cref="SecurityEventKind.AccessRevoked"/> by <paramref name="actor"/>.
    /// </summary>
    public async Task<AccessRevoked> RevokeSubjectAsync(string subject, AuditActor actor, string? reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);

        // Once begun, a revocation is carried through even if the caller goes away: half of one
        // (refresh tokens gone, access tokens still accepted elsewhere) would be worse than none.
        cancellationToken.ThrowIfCancellationRequested();
        await tokens.RevokeBySubjectAsync(subject, CancellationToken.None);
        await authorizations.RevokeBySubjectAsync(subject, CancellationToken.None);
        var revoked = await RecordAsync(RevocationScope.Subject, subject, time.GetUtcNow() + Coverage);
        await AuditAsync(actor, reason, revoked, targetUserId: subject, targetClientId: null);
        return revoked;
    }

    /// <summary>Revokes everything issued to <paramref name="clientId"/>, here and everywhere; audited.</summary>
    public async Task<AccessRevoked> RevokeClientAsync(string clientId, AuditActor actor, string? reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        cancellationToken.ThrowIfCancellationRequested();
        if (await applications.FindByClientIdAsync(clientId, CancellationToken.None) is { } application
            && await applications.GetIdAsync(application, CancellationToken.None) is { } applicationId)
        {
            await tokens.RevokeByApplicationIdAsync(applicationId, CancellationToken.None);
            await authorizations.RevokeByApplicationIdAsync(applicationId, CancellationToken.None);
        }

        var revoked = await RecordAsync(RevocationScope.Client, clientId, time.GetUtcNow() + Coverage);
        await AuditAsync(actor, reason, revoked, targetUserId: null, targetClientId: clientId);
        return revoked;
    }

    /// <summary>Stores the entry (durable first), then publishes it; the relay retries what the broker did not confirm.</summary>
    private async Task<AccessRevoked> RecordAsync(RevocationScope scope, string value, DateTimeOffset expiresAt)
    {
        var record = new AccessRevocationRecord
        {
            Id = Guid.CreateVersion7(),
            Scope = scope,
            Value = value,
            RevokedAt = time.GetUtcNow(),
            ExpiresAt = expiresAt,
        };
        database.AccessRevocations.Add(record);
        await database.SaveChangesAsync(CancellationToken.None);
        await publisher.PublishAsync(record.Id, record.ToEvent(), CancellationToken.None);
        return record.ToEvent();
    }

    private async Task AuditAsync(AuditActor actor, string? reason, AccessRevoked revoked, string? targetUserId, string? targetClientId) =>
        await trail.RecordAsync(
            new SecurityEventRecorded
            {
                Header = trail.NewHeader(),
                Kind = SecurityEventKind.AccessRevoked,
                Actor = actor,
                Outcome = AuditOutcome.Success,
                TargetUserId = targetUserId,
                TargetClientId = targetClientId,
                ValidUntil = revoked.ExpiresAt,
                Reason = reason,
            },
            CancellationToken.None);
}
