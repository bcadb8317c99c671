using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using StackExchange.Redis;

namespace HealthPlatform.Identity.Users;

/// <summary>
/// Identity's TOTP check (RFC 6238, 30-second steps, drift allowed either way) with each code
/// usable once: a code seen over someone's shoulder, or replayed from a phished page, is refused
/// even inside its window. Used codes are remembered in Redis (every replica shares them) for
/// longer than the window; when Redis cannot answer, the code is refused — never accepted unchecked.
/// </summary>
internal sealed partial class OneTimeAuthenticatorTokenProvider(IConnectionMultiplexer redis, ILogger<OneTimeAuthenticatorTokenProvider> logger)
    : AuthenticatorTokenProvider<PlatformUser>
{
    public const string ProviderName = "OneTimeAuthenticator";

    /// <summary>Longer than a code stays valid: Identity accepts it two steps either side of its own.</summary>
    private static readonly TimeSpan Remembered = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    public override async Task<bool> ValidateAsync(string purpose, string token, UserManager<PlatformUser> manager, PlatformUser user)
    {
        ArgumentNullException.ThrowIfNull(user);

        // Exactly the six digits an authenticator shows: Identity would also take "0123456" or
        // "+123456" for 123456, and each spelling would pass the used-code check once more.
        if (token is not { Length: 6 } || !token.All(char.IsAsciiDigit) || !await base.ValidateAsync(purpose, token, manager, user))
        {
            return false;
        }

        var key = (RedisKey)("identity:totp-used:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(user.Id + "\n" + token))));
        try
        {
            return await redis.GetDatabase().StringSetAsync(key, 1, Remembered, When.NotExists).WaitAsync(CheckTimeout);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogUnavailable(logger, ex.GetType().Name);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Authenticator codes are refused: the used-code cache (Redis) is unavailable ({Error}).")]
    private static partial void LogUnavailable(ILogger logger, string error);
}
