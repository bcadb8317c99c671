using System.Collections.Concurrent;
using HealthPlatform.Contracts.Revocation;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;

namespace HealthPlatform.ServiceDefaults.Authorization.Revocations;

/// <summary>
/// This instance's copy of the revocation list, consulted by token validation on every request (in
/// memory, no network hop): a token is refused when its <c>jti</c> is revoked, or when its user or
/// client had everything revoked at or after the token was issued (<c>iat</c> ≤ revocation time;
/// <c>iat</c> has whole seconds, so a token issued in the same second as the revocation is refused
/// too — the safe side). Fed by <see cref="AccessRevoked"/> events and by snapshots of the identity
/// service's durable list; entries are dropped once every token they cover has expired.
/// </summary>
public sealed class RevocationList(TimeProvider time) : IAccessTokenRevocations
{
    private readonly ConcurrentDictionary<(RevocationScope Scope, string Value), AccessRevoked> _entries = new();
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once a snapshot of the durable list has been read: before that, this instance does not know what was revoked.</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>When the last snapshot was read.</summary>
    public DateTimeOffset? LastSynchronized { get; private set; }

    public int Count => _entries.Count;

    public ValueTask<bool> IsRevokedAsync(AccessTokenDescriptor token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        return ValueTask.FromResult(
            (token.TokenId is { } tokenId && _entries.ContainsKey((RevocationScope.Token, tokenId)))
            || Covers(RevocationScope.Subject, token.Subject, token.IssuedAt)
            || Covers(RevocationScope.Client, token.ClientId, token.IssuedAt));
    }

    /// <summary>Adds one revocation (an event); a repeated one changes nothing.</summary>
    public void Apply(AccessRevoked revoked)
    {
        ArgumentNullException.ThrowIfNull(revoked);
        if (revoked.ExpiresAt > time.GetUtcNow())
        {
            // For a user or client revoked twice, the later revocation covers more.
            _entries.AddOrUpdate((revoked.Scope, revoked.Value), revoked, (_, existing) => existing.RevokedAt >= revoked.RevokedAt ? existing : revoked);
        }
    }

    /// <summary>Merges a snapshot of the durable list (events may have arrived meanwhile: nothing is removed but what expired).</summary>
    public void Synchronize(IEnumerable<AccessRevoked> snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        foreach (var revoked in snapshot)
        {
            Apply(revoked);
        }

        var now = time.GetUtcNow();
        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.TryRemove(KeyValuePair.Create(key, entry));
            }
        }

        LastSynchronized = now;
        _loaded.TrySetResult();
    }

    private bool Covers(RevocationScope scope, string? value, DateTimeOffset? issuedAt) =>
        value is not null
        && _entries.TryGetValue((scope, value), out var entry)
        // A token without iat cannot show it came after the revocation.
        && (issuedAt is null || issuedAt <= entry.RevokedAt);
}
