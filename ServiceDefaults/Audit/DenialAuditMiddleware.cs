using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit.Outbox;
using HealthPlatform.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthPlatform.ServiceDefaults.Audit;

/// <summary>
/// Records every 401, 403 and 429 on the public and internal listeners as a security event: who
/// (subject and client if known, calling service, address), which route template — never the raw
/// URL, whose path and query may carry patient ids. The event is sent after the response, so a
/// refusal is not slowed down; if the broker cannot confirm it, it goes to the outbox.
/// </summary>
internal sealed partial class DenialAuditMiddleware(
    RequestDelegate next,
    PlatformListeners listeners,
    IAuditTrail trail,
    IServiceProvider services,
    ILogger<DenialAuditMiddleware> logger)
{
    private readonly IAuditOutbox? _outbox = services.GetService<IAuditOutbox>();

    public Task InvokeAsync(HttpContext context)
    {
        var listener = listeners.NameOf(context.Connection.LocalPort);
        if (listener is ResourceNames.Endpoints.Public or ResourceNames.Endpoints.Internal)
        {
            context.Response.OnCompleted(() => RecordIfDeniedAsync(context, listener));
        }

        return next(context);
    }

    private async Task RecordIfDeniedAsync(HttpContext context, string listener)
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
            return;
        }

        var denial = new SecurityEventRecorded
        {
            Header = trail.NewHeader(),
            Kind = kind.Value,
            Actor = AuditActors.FromRequest(context),
            Outcome = AuditOutcome.Denied,
            Request = new AuditRequest
            {
                Method = context.Request.Method,
                RouteTemplate = RouteTemplateOf(context),
                StatusCode = status,
                Listener = listener,
            },
        };

        try
        {
            await trail.RecordAsync(denial);
        }
        catch (AuditUnavailableException) when (_outbox is not null)
        {
            try
            {
                await _outbox.StoreAsync(denial, CancellationToken.None);
            }
            catch (Exception ex)
            {
                LogLost(logger, kind.Value, ex.GetType().Name);
            }
        }
        catch (AuditUnavailableException ex)
        {
            LogLost(logger, kind.Value, ex.GetType().Name);
        }
    }

    private static string? RouteTemplateOf(HttpContext context)
    {
        var template = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        return template is null || template.StartsWith('/') ? template : "/" + template;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A {Kind} security event could not be recorded, neither by the broker nor in the outbox ({Error}).")]
    private static partial void LogLost(ILogger logger, SecurityEventKind kind, string error);
}
