using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;
using Microsoft.AspNetCore;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Server;

/// <summary>
/// Audits what the token, introspection and revocation endpoints answer, as the response goes
/// out: a token issued (client, token id, expiry — never the token), a token refused (with the
/// client that asked, when it named one), and a client that failed to authenticate. Events go
/// through the security-event writer, off the request path and never dropped.
/// </summary>
internal sealed class TokenEndpointAudit<TContext>(IAuditTrail trail, ISecurityEventWriter writer) : IOpenIddictServerHandler<TContext>
    where TContext : OpenIddictServerEvents.BaseRequestContext
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor
        .CreateBuilder<TContext>()
        .UseSingletonHandler<TokenEndpointAudit<TContext>>()
        .SetOrder(int.MinValue + 50_000)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(TContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Transaction.Response;
        if (response is null)
        {
            return;
        }

        var requestedBy = Identifier(context.Transaction.Request?.ClientId);
        var kind = (response.Error, context.EndpointType) switch
        {
            (Errors.InvalidClient, _) => SecurityEventKind.AuthenticationFailed,
            (not null, OpenIddictServerEndpointType.Token) => SecurityEventKind.TokenRefused,
            (null, OpenIddictServerEndpointType.Token) when response.AccessToken is not null => SecurityEventKind.TokenIssued,
            _ => (SecurityEventKind?)null,
        };
        if (kind is null)
        {
            return;
        }

        var issued = kind == SecurityEventKind.TokenIssued ? new JsonWebToken(response.AccessToken) : null;
        var clientId = Identifier(issued?.GetClaim(Claims.ClientId)?.Value) ?? requestedBy;
        var outcome = response.Error is Errors.ServerError or Errors.TemporarilyUnavailable ? AuditOutcome.Failed
            : response.Error is null ? AuditOutcome.Success : AuditOutcome.Denied;
        await writer.WriteAsync(
            new SecurityEventRecorded
            {
                Header = trail.NewHeader(),
                Kind = kind.Value,
                Actor = new AuditActor { ClientId = clientId, NetworkAddress = AuditActors.AddressOf(context.Transaction.GetHttpRequest()?.HttpContext.Connection.RemoteIpAddress) },
                Outcome = outcome,
                TargetClientId = clientId,
                TokenId = Identifier(issued?.Id),
                ValidUntil = issued is null ? null : new DateTimeOffset(issued.ValidTo, TimeSpan.Zero),
            },
            // Not the request's token: an aborted request's event is still recorded.
            CancellationToken.None);
    }

    // Whatever a caller sent as client_id goes into the event only if it is a plain identifier.
    private static string? Identifier(string? value) => AuditEventSchema.IsIdentifier(value) ? value : null;
}
