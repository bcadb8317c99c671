using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Clients;

/// <summary>
/// A request that authenticated with a client assertion and was refused before the assertion was
/// accepted failed client authentication, whatever OpenIddict called it (<c>invalid_token</c> for
/// a wrong audience, <c>invalid_grant</c> for an issuer that is not the client,
/// <c>invalid_request</c> for malformed claims): answer <c>invalid_client</c>, the error RFC 6749
/// and RFC 7523 name, at the token, introspection and revocation endpoints alike — so clients and
/// the audit trail see one kind of failure.
/// </summary>
internal sealed class ClientAuthenticationErrors<TContext> : IOpenIddictServerHandler<TContext>
    where TContext : OpenIddictServerEvents.BaseRequestContext
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor
        .CreateBuilder<TContext>()
        .UseSingletonHandler<ClientAuthenticationErrors<TContext>>()
        .SetOrder(int.MinValue + 10_000)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(TContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Transaction.Response;
        if (response is { Error: { } error } && error != Errors.ServerError
            && !string.IsNullOrEmpty(context.Transaction.Request?.ClientAssertion)
            && !context.Transaction.Properties.ContainsKey(ClientAssertionReplay.AcceptedProperty))
        {
            response.Error = Errors.InvalidClient;
        }

        return ValueTask.CompletedTask;
    }
}
