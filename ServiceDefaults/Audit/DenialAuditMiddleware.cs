using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using HealthPlatform.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HealthPlatform.ServiceDefaults.Audit;

/// <summary>
/// Records every 401, 403 and 429 on the public, internal and mTLS listeners as a security event: who
/// (subject and client if known, calling service, address), which route template — never the raw
/// URL, whose path and query may carry patient ids. The event is built once the response has gone
/// and handed to <see cref="ISecurityEventWriter"/>, so refusals are not slowed by the broker.
/// </summary>
internal sealed class DenialAuditMiddleware(RequestDelegate next, PlatformListeners listeners, IAuditTrail trail, ISecurityEventWriter writer)
{
    private const string UnknownMethod = "OTHER";

    public Task InvokeAsync(HttpContext context)
    {
        var listener = listeners.NameOf(context.Connection.LocalPort);
        if (listener is ResourceNames.Endpoints.Public or ResourceNames.Endpoints.Internal or ResourceNames.Endpoints.Mtls)
        {
            context.Response.OnCompleted(() => RecordIfDeniedAsync(context, listener).AsTask());
        }

        return next(context);
    }

    private ValueTask RecordIfDeniedAsync(HttpContext context, string listener)
    {
        var status = context.Response.StatusCode;
        SecurityEventKind? kind = status switch
        {
            StatusCodes.Status401Unauthorized => SecurityEventKind.RequestUnauthenticated,
            StatusCodes.Status403Forbidden => SecurityEventKind.RequestForbidden,
            StatusCodes.Status429TooManyRequests => SecurityEventKind.RequestRateLimited,
            _ => null,
        };
        if (kind is null)
        {
            return ValueTask.CompletedTask;
        }

        var method = context.Request.Method;
        var actor = AuditActors.FromRequest(context);
        var revoked = status == StatusCodes.Status401Unauthorized ? context.Features.Get<RevokedTokenPresented>()?.Token : null;
        if (revoked is not null)
        {
            kind = SecurityEventKind.TokenRefused;
            actor = actor with
            {
                UserId = AuditEventSchema.IsIdentifier(revoked.Subject) ? revoked.Subject : null,
                ClientId = AuditEventSchema.IsIdentifier(revoked.ClientId) ? revoked.ClientId : null,
            };
        }

        return writer.WriteAsync(
            new SecurityEventRecorded
            {
                Header = trail.NewHeader(),
                Kind = kind.Value,
                Actor = actor,
                Outcome = AuditOutcome.Denied,
                TokenId = revoked is not null && AuditEventSchema.IsIdentifier(revoked.TokenId) ? revoked.TokenId : null,
                Reason = revoked is null ? null : SecurityEventReasons.RevokedToken,
                Request = new AuditRequest
                {
                    // Any token is a method to Kestrel ("get", "X-SCAN"); the event keeps only what the schema allows.
                    Method = AuditEventSchema.IsHttpMethod(method) ? method : UnknownMethod,
                    RouteTemplate = RouteTemplateOf(context),
                    StatusCode = status,
                    Listener = listener,
                },
            },
            CancellationToken.None);
    }

    private static string? RouteTemplateOf(HttpContext context)
    {
        var template = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        return template is null || template.StartsWith('/') ? template : "/" + template;
    }
}
