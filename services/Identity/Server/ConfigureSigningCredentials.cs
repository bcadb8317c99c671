using System.Security.Cryptography;
using HealthPlatform.Identity.SigningKeys;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace HealthPlatform.Identity.Server;

/// <summary>
/// Gives OpenIddict the ring's keys: the active key first (it signs), then every other published key
/// (so JWKS lists successors before they sign and predecessors until their tokens expire); and an
/// encryption key derived from the protection key, for the tokens OpenIddict encrypts for itself.
/// Rebuilt whenever <see cref="SigningKeyCache"/> changes.
/// </summary>
internal sealed class ConfigureSigningCredentials(SigningKeyCache cache, IOptions<SigningKeyOptions> keys) : IConfigureOptions<OpenIddictServerOptions>
{
    public void Configure(OpenIddictServerOptions options)
    {
        var encryptionKey = keys.Value.DerivedKey("token-encryption");
        options.EncryptionCredentials.Add(new EncryptingCredentials(new SymmetricSecurityKey(encryptionKey), SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));

        if (cache.Current is not { } current)
        {
            // Not loaded yet: OpenIddict refuses to run without a key, and the readiness check says why.
            return;
        }

        options.SigningCredentials.Add(new SigningCredentials(current.Signing.Key, SecurityAlgorithms.EcdsaSha256));
        foreach (var key in current.Published.Where(key => key.KeyId != current.Signing.KeyId))
        {
            options.SigningCredentials.Add(new SigningCredentials(key.Key, SecurityAlgorithms.EcdsaSha256));
        }
    }
}
