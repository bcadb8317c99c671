using OpenIddict.Abstractions;
using OpenIddict.Server;

namespace HealthPlatform.Identity.Server;

/// <summary>
/// SMART launch context in the token response: the <c>patient</c> the access token works on, so the
/// app knows whose record it opened without parsing the token.
/// </summary>
internal sealed class LaunchContextInResponse : IOpenIddictServerHandler<OpenIddictServerEvents.ProcessSignInContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor
        .CreateBuilder<OpenIddictServerEvents.ProcessSignInContext>()
        .UseSingletonHandler<LaunchContextInResponse>()
        .SetOrder(OpenIddictServerHandlers.AttachSignInParameters.Descriptor.Order + 600)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(OpenIddictServerEvents.ProcessSignInContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.EndpointType == OpenIddictServerEndpointType.Token
            && context.Response.AccessToken is not null
            && context.AccessTokenPrincipal?.GetClaim(AuthorizationEndpoints.PatientClaim) is { } patient)
        {
            context.Response[AuthorizationEndpoints.PatientClaim] = patient;
        }

        return ValueTask.CompletedTask;
    }
}
