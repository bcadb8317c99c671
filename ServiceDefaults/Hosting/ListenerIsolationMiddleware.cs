using Microsoft.AspNetCore.Http;

namespace HealthPlatform.ServiceDefaults.Hosting;

/// <summary>
/// Keeps each listener to its own routes: a route marked for one listener answers 404 on the
/// others, and an unmarked route answers only on the public listener, so an internal or
/// management route that forgets its mark is closed rather than exposed. The mTLS listener serves
/// only the paths registered for it (identity's mTLS endpoint aliases, which have no route). A
/// connection on a port that is none of these (a listener added by other configuration) is
/// served nothing.
/// This runs after routing, so it sees the matched endpoint's metadata.
/// </summary>
internal sealed class ListenerIsolationMiddleware(RequestDelegate next, PlatformListeners listeners)
{
    public Task InvokeAsync(HttpContext context)
    {
        var listener = listeners.NameOf(context.Connection.LocalPort);
        if (listener == ResourceNames.Endpoints.Mtls)
        {
            return context.GetEndpoint() is null && listeners.ServedOnMtls(context.Request.Path) ? next(context) : NotFound(context);
        }

        var required = context.GetEndpoint()?.Metadata.GetMetadata<ListenerMetadata>()?.Listener ?? ResourceNames.Endpoints.Public;
        if (listener is not null && string.Equals(required, listener, StringComparison.Ordinal))
        {
            return next(context);
        }

        return NotFound(context);
    }

    private static Task NotFound(HttpContext context)
    {
        // Do not run the matched endpoint: answer as if the route did not exist here.
        context.SetEndpoint(null);
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
