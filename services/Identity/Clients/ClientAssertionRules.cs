using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Clients;

/// <summary>
/// How a <c>private_key_jwt</c> client assertion must be signed and addressed, applied where
/// OpenIddict validates it: RS384 or ES384 only (SMART Backend Services); <c>typ</c>
/// <c>client-authentication+jwt</c> or, as SMART clients send it, <c>JWT</c>; and addressed to
/// the issuer or the token endpoint's URL — SMART tells clients to name the token URL, which
/// OpenIddict alone does not accept.
/// </summary>
/// <remarks>
/// OpenIddict reads <c>typ: JWT</c> (or no <c>typ</c>) as an identity token; <see cref="PlainJwtAsAssertion"/>
/// labels such an assertion as the client assertion it was validated as. That is safe because it was
/// validated with the client's own keys, and its issuer and subject must both be that client.
/// </remarks>
internal sealed class ClientAssertionRules(IOptions<Server.AuthorizationServerOptions> settings) : IOpenIddictServerHandler<OpenIddictServerEvents.ValidateTokenContext>
{
    public static readonly IReadOnlyList<string> Algorithms = [SecurityAlgorithms.RsaSha384, SecurityAlgorithms.EcdsaSha384];

    private const string PlainJwt = "JWT";

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor
        .CreateBuilder<OpenIddictServerEvents.ValidateTokenContext>()
        .UseSingletonHandler<ClientAssertionRules>()
        .SetOrder(OpenIddictServerHandlers.Protection.ResolveTokenValidationParameters.Descriptor.Order + 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(OpenIddictServerEvents.ValidateTokenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!ValidatesClientAssertion(context))
        {
            return ValueTask.CompletedTask;
        }

        var parameters = context.TokenValidationParameters;
        parameters.ValidAlgorithms = Algorithms;
        parameters.ValidTypes = [.. parameters.ValidTypes ?? [], PlainJwt];
        foreach (var endpoint in settings.Value.TokenEndpoints())
        {
            context.ValidAudiences.Add(endpoint.AbsoluteUri);
        }

        return ValueTask.CompletedTask;
    }

    private static bool ValidatesClientAssertion(OpenIddictServerEvents.ValidateTokenContext context) =>
        context.ValidTokenTypes.Count == 1 && context.ValidTokenTypes.Contains(TokenTypeIdentifiers.Private.ClientAssertion);

    /// <summary>Runs right after the signature and claims were validated, before OpenIddict checks the token type.</summary>
    internal sealed class PlainJwtAsAssertion : IOpenIddictServerHandler<OpenIddictServerEvents.ValidateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor
            .CreateBuilder<OpenIddictServerEvents.ValidateTokenContext>()
            .UseSingletonHandler<PlainJwtAsAssertion>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateIdentityModelToken.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(OpenIddictServerEvents.ValidateTokenContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (ValidatesClientAssertion(context) && context.Principal is { } principal && principal.GetTokenType() != TokenTypeIdentifiers.Private.ClientAssertion)
            {
                context.Principal = principal.SetTokenType(TokenTypeIdentifiers.Private.ClientAssertion);
            }

            return ValueTask.CompletedTask;
        }
    }
}
