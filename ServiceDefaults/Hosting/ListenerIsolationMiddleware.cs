using Microsoft.AspNetCore.Http;

namespace HealthPlatform.ServiceDefaults.Hosting;

/// <summary>
/// Keeps each listener to its own routes: a route marked for one listener answers 404 on the
/// others, and an unmarked route answers only on the public listener, so an internal or
/// management route that forgets its mark is closed rather than exposed. A connection on a
/// port that is none of the three (a listener added by other configuration) is served nothing.
/// This runs after routing, so it sees the matched endpoint's metadata.
/// </summary>
internal sealed class ListenerIsolationMiddleware(RequestDelegate next, PlatformListeners listeners)
{
    public Task InvokeAsync(HttpContext context)
    {
        var listener = listeners.NameOf(context.Connection.LocalPort);
        var required = context.GetEndpoint()?.Metadata.GetMetadata<ListenerMetadata>()?.Listener ?? ResourceNames.Endpoints.Public;
        if (listener is not null && string.Equals(required, listener, StringComparison.Ordinal))
        {
            return next(context);
        }

        // Do not run the matched endpoint: answer as if the route did not exist here.
        context.SetEndpoint(null);
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
