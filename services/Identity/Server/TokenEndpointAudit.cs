using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;
using Microsoft.AspNetCore;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Server;

/// <summary>
/// Audits what the authorization, token, introspection and revocation endpoints answer, as the response goes
/// out: a token issued (client, user, token id, expiry — never the token), a token refused (with
/// the client the request named, as the target), a token revoked, and a client that failed to authenticate. Events
/// are handed to the security-event writer once the response has been sent.
/// </summary>
internal sealed partial class TokenEndpointAudit<TContext>(IAuditTrail trail, ISecurityEventWriter writer, ILogger<TokenEndpointAudit<TContext>> logger) : IOpenIddictServerHandler<TContext>
    where TContext : OpenIddictServerEvents.BaseRequestContext
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor
        .CreateBuilder<TContext>()
        .UseSingletonHandler<TokenEndpointAudit<TContext>>()
        .SetOrder(int.MinValue + 50_000)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(TContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Transaction.Response;
        if (response is null)
        {
            return ValueTask.CompletedTask;
        }

        var kind = (response.Error, context.EndpointType) switch
        {
            (Errors.InvalidClient, _) => SecurityEventKind.AuthenticationFailed,
            (not null, OpenIddictServerEndpointType.Token or OpenIddictServerEndpointType.Authorization) => SecurityEventKind.TokenRefused,
            (null, OpenIddictServerEndpointType.Token) when response.AccessToken is not null => SecurityEventKind.TokenIssued,
            (null, OpenIddictServerEndpointType.Revocation) => SecurityEventKind.TokenRevoked,
            _ => (SecurityEventKind?)null,
        };
        if (kind is null)
        {
            return ValueTask.CompletedTask;
        }

        var http = context.Transaction.GetHttpRequest()?.HttpContext;
        var securityEvent = Describe(kind.Value, response, http);
        if (http is null)
        {
            return Write(securityEvent);
        }

        // Written once the response has gone: a full hand-over queue slows no token response.
        http.Response.OnCompleted(() => Write(securityEvent).AsTask());
        return ValueTask.CompletedTask;

        SecurityEventRecorded Describe(SecurityEventKind kind, OpenIddictResponse response, HttpContext? http)
        {
            var issued = kind == SecurityEventKind.TokenIssued ? new JsonWebToken(response.AccessToken) : null;
            var requestedBy = Identifier(context.Transaction.Request?.ClientId);
            // A revocation is answered only once the client has authenticated.
            var issuedTo = kind == SecurityEventKind.TokenRevoked ? requestedBy : Identifier(issued?.GetClaim(Claims.ClientId)?.Value);
            var user = Identifier(issued?.Subject) is { } subject && subject != issuedTo ? subject : null;
            return new SecurityEventRecorded
            {
                Header = trail.NewHeader(),
                Kind = kind,
                // Only an issued token proves who the client is; a refused request merely named one.
                Actor = new AuditActor { ClientId = issuedTo, UserId = user, NetworkAddress = AuditActors.AddressOf(http?.Connection.RemoteIpAddress) },
                Outcome = response.Error is Errors.ServerError or Errors.TemporarilyUnavailable ? AuditOutcome.Failed
                    : response.Error is null ? AuditOutcome.Success : AuditOutcome.Denied,
                TargetClientId = issuedTo ?? requestedBy,
                TokenId = Identifier(issued?.Id),
                ValidUntil = issued is null ? null : new DateTimeOffset(issued.ValidTo, TimeSpan.Zero),
            };
        }
    }

    private async ValueTask Write(SecurityEventRecorded securityEvent)
    {
        try
        {
            await writer.WriteAsync(securityEvent, CancellationToken.None);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.Threading.Channels.ChannelClosedException)
        {
            // Shutting down: the writer has closed its queue. Say so rather than lose the event silently.
            LogNotRecorded(logger, securityEvent.Kind, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A {Kind} security event could not be handed to the audit writer ({Error}).")]
    private static partial void LogNotRecorded(ILogger logger, SecurityEventKind kind, string error);

    // Whatever a caller sent as client_id goes into the event only if it is a plain identifier.
    private static string? Identifier(string? value) => AuditEventSchema.IsIdentifier(value) ? value : null;
}
