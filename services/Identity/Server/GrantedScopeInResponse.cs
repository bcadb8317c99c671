using OpenIddict.Abstractions;
using OpenIddict.Server;

namespace HealthPlatform.Identity.Server;

/// <summary>
/// Every token response names the scopes granted: SMART requires <c>scope</c> in the token
/// response, while OpenIddict leaves it out when the client got exactly what it asked for.
/// </summary>
internal sealed class GrantedScopeInResponse : IOpenIddictServerHandler<OpenIddictServerEvents.ProcessSignInContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor
        .CreateBuilder<OpenIddictServerEvents.ProcessSignInContext>()
        .UseSingletonHandler<GrantedScopeInResponse>()
        .SetOrder(OpenIddictServerHandlers.AttachSignInParameters.Descriptor.Order + 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(OpenIddictServerEvents.ProcessSignInContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Response.AccessToken is not null && context.Response.Scope is null && context.AccessTokenPrincipal is { } granted)
        {
            context.Response.Scope = string.Join(' ', granted.GetScopes());
        }

        return ValueTask.CompletedTask;
    }
}
