using System.Security.Cryptography;
using System.Text;
using IdentityDbContext = HealthPlatform.Identity.Infrastructure.IdentityDbContext;
using HealthPlatform.Identity.SigningKeys;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HealthPlatform.Identity.Users;

/// <summary>
/// Identity's user store with its two second-factor secrets kept safe at rest: the authenticator
/// (TOTP) key encrypted with Data Protection (the key ring every replica shares), and recovery
/// codes kept only as HMAC-SHA256 under a key outside the database — a copy of the users table
/// gives neither a working authenticator nor a usable recovery code.
/// </summary>
public sealed class PlatformUserStore(
    IdentityDbContext context, IDataProtectionProvider dataProtection, IOptions<SigningKeyOptions> keys, IdentityErrorDescriber? describer = null)
    : UserStore<PlatformUser, IdentityRole, IdentityDbContext>(context, describer)
{
    // Where Identity's store keeps the second-factor secrets (its own constants are private).
    internal const string InternalLoginProvider = "[AspNetUserStore]";
    internal const string AuthenticatorKeyTokenName = "AuthenticatorKey";
    internal const string RecoveryCodeTokenName = "RecoveryCodes";

    private readonly IDataProtector _authenticatorKeys = dataProtection.CreateProtector("HealthPlatform.Identity.AuthenticatorKey.v1");

    public override async Task<string?> GetAuthenticatorKeyAsync(PlatformUser user, CancellationToken cancellationToken)
    {
        var stored = await base.GetAuthenticatorKeyAsync(user, cancellationToken);
        return stored is null ? null : _authenticatorKeys.Unprotect(stored);
    }

    public override Task SetAuthenticatorKeyAsync(PlatformUser user, string key, CancellationToken cancellationToken) =>
        base.SetAuthenticatorKeyAsync(user, _authenticatorKeys.Protect(key), cancellationToken);

    public override Task ReplaceCodesAsync(PlatformUser user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recoveryCodes);
        return base.ReplaceCodesAsync(user, recoveryCodes.Select(HashOf), cancellationToken);
    }

    /// <summary>Consumes the code if it is one of the user's: the rest stay, already hashed (Identity's own redeem would hash them again).</summary>
    public override async Task<bool> RedeemCodeAsync(PlatformUser user, string code, CancellationToken cancellationToken)
    {
        var hashes = (await GetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, cancellationToken) ?? string.Empty)
            .Split(';', StringSplitOptions.RemoveEmptyEntries);
        var hash = HashOf(code);
        if (!hashes.Contains(hash, StringComparer.Ordinal))
        {
            return false;
        }

        await base.ReplaceCodesAsync(user, hashes.Where(stored => stored != hash), cancellationToken);
        return true;
    }

    /// <summary>Codes are compared as their user would type them: case, spaces and dashes do not matter.</summary>
    private string HashOf(string code)
    {
        var normalized = new string([.. (code ?? string.Empty).Where(char.IsAsciiLetterOrDigit).Select(char.ToUpperInvariant)]);
        return Convert.ToHexString(HMACSHA256.HashData(keys.Value.DerivedKey("recovery-codes"), Encoding.ASCII.GetBytes(normalized)));
    }
}
