using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using OpenIddict.Server;

namespace HealthPlatform.Identity.SigningKeys;

/// <summary>
/// The signing keys OpenIddict uses right now. Each update signals a change, so OpenIddict's options
/// are rebuilt with the new keys — a rotation takes effect without a restart.
/// </summary>
public sealed class SigningKeyCache : IOptionsChangeTokenSource<OpenIddictServerOptions>, IDisposable
{
    private CancellationTokenSource _changed = new();

    public SigningKeySet? Current { get; private set; }

    public string? Name => Options.DefaultName;

    public void Update(SigningKeySet keys)
    {
        var unchanged = Current is { } previous
            && previous.Signing.KeyId == keys.Signing.KeyId
            && previous.Published.Select(key => key.KeyId).SequenceEqual(keys.Published.Select(key => key.KeyId));
        Current = keys;
        if (!unchanged)
        {
            var changed = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
            changed.Cancel();
            changed.Dispose();
        }
    }

    public IChangeToken GetChangeToken() => new CancellationChangeToken(_changed.Token);

    public void Dispose() => _changed.Dispose();
}
