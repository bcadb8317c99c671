using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Clients;

/// <summary>
/// At the token endpoint, a client assertion OpenIddict refused as a token (<c>invalid_token</c>:
/// wrong audience, bad signature) is a failed client authentication: answer <c>invalid_client</c>,
/// the error RFC 6749 and RFC 7523 name, so clients and the audit trail see it as one.
/// </summary>
internal sealed class ClientAuthenticationErrors : IOpenIddictServerHandler<OpenIddictServerEvents.ApplyTokenResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor
        .CreateBuilder<OpenIddictServerEvents.ApplyTokenResponseContext>()
        .UseSingletonHandler<ClientAuthenticationErrors>()
        .SetOrder(int.MinValue + 10_000)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(OpenIddictServerEvents.ApplyTokenResponseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Response.Error == Errors.InvalidToken && !string.IsNullOrEmpty(context.Request?.ClientAssertion))
        {
            context.Response.Error = Errors.InvalidClient;
        }

        return ValueTask.CompletedTask;
    }
}
