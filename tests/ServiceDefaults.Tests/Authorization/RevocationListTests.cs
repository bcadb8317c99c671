using HealthPlatform.Contracts.Revocation;
using HealthPlatform.ServiceDefaults.Authorization.Revocations;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace HealthPlatform.ServiceDefaults.Tests.Authorization;

/// <summary>What the in-memory revocation list refuses: by token id, and everything of a user or client issued up to the revocation.</summary>
public sealed class RevocationListTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, 700, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Now);

    [Fact]
    public async Task ARevokedTokenId_IsRefused_AndNoOtherToken()
    {
        var list = new RevocationList(_time);
        list.Apply(Revoked(RevocationScope.Token, "jti-1"));

        Assert.True(await list.IsRevokedAsync(new AccessTokenDescriptor("jti-1", "user-1", "app", Now.AddSeconds(-10)), CancellationToken.None));
        Assert.False(await list.IsRevokedAsync(new AccessTokenDescriptor("jti-2", "user-1", "app", Now.AddSeconds(-10)), CancellationToken.None));
    }

    [Theory]
    [InlineData(RevocationScope.Subject)]
    [InlineData(RevocationScope.Client)]
    public async Task EverythingOfAUserOrClient_IssuedUpToTheRevocation_IsRefused_AndLaterTokensAreNot(RevocationScope scope)
    {
        var list = new RevocationList(_time);
        list.Apply(Revoked(scope, "who"));
        AccessTokenDescriptor Issued(DateTimeOffset? at) => scope == RevocationScope.Subject
            ? new AccessTokenDescriptor("jti", "who", "app", at)
            : new AccessTokenDescriptor("jti", "user", "who", at);

        Assert.True(await list.IsRevokedAsync(Issued(Now.AddMinutes(-4)), CancellationToken.None));

        // iat has whole seconds: issued in the same second counts as before (12:00:00 ≤ 12:00:00.7).
        Assert.True(await list.IsRevokedAsync(Issued(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero)), CancellationToken.None));
        Assert.False(await list.IsRevokedAsync(Issued(new DateTimeOffset(2026, 11, 28, 12, 0, 1, TimeSpan.Zero)), CancellationToken.None));

        // A token that does not say when it was issued cannot show it came later.
        Assert.True(await list.IsRevokedAsync(Issued(null), CancellationToken.None));
    }

    [Fact]
    public async Task ALaterRevocationOfTheSameUser_CoversMore_AndAnEarlierOneArrivingLateChangesNothing()
    {
        var list = new RevocationList(_time);
        var later = Revoked(RevocationScope.Subject, "user-1") with { RevokedAt = Now.AddMinutes(1) };
        list.Apply(later);
        list.Apply(Revoked(RevocationScope.Subject, "user-1"));

        Assert.True(await list.IsRevokedAsync(new AccessTokenDescriptor("jti", "user-1", "app", Now.AddSeconds(30)), CancellationToken.None));
    }

    [Fact]
    public async Task ASnapshot_DropsEntriesWhoseTokensHaveAllExpired_AndMarksTheListLoaded()
    {
        var list = new RevocationList(_time);
        list.Apply(Revoked(RevocationScope.Token, "jti-1"));
        Assert.False(list.Loaded.IsCompleted);

        _time.Advance(TimeSpan.FromMinutes(10));
        list.Synchronize([Revoked(RevocationScope.Token, "jti-2") with { ExpiresAt = Now.AddMinutes(20) }]);

        Assert.True(list.Loaded.IsCompleted);
        Assert.Equal(1, list.Count);
        Assert.False(await list.IsRevokedAsync(new AccessTokenDescriptor("jti-1", null, null, null), CancellationToken.None));
        Assert.True(await list.IsRevokedAsync(new AccessTokenDescriptor("jti-2", null, null, null), CancellationToken.None));
    }

    private static AccessRevoked Revoked(RevocationScope scope, string value) => new()
    {
        RevocationId = Guid.NewGuid(),
        Scope = scope,
        Value = value,
        RevokedAt = Now,
        ExpiresAt = Now.AddMinutes(7),
    };
}
