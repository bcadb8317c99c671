namespace HealthPlatform.Identity.Tests.Server;

/// <summary>The browser of the identity tests: for an identity service they host, trusting its test PKI.</summary>
public sealed partial class Browser
{
    public Browser(IdentityServerHost host)
        : this(host.Identity.Public, host.Pki.CreateHandler())
    {
    }
}
