using Microsoft.AspNetCore.Http;

namespace HealthPlatform.ServiceDefaults.Hosting;

/// <summary>
/// Keeps each listener to its own routes: a route marked for one listener answers 404 on the
/// others, and the management listener serves nothing but routes marked for it. This runs
/// after routing, so it sees the matched endpoint's metadata.
/// </summary>
internal sealed class ListenerIsolationMiddleware(RequestDelegate next, PlatformListeners listeners)
{
    public Task InvokeAsync(HttpContext context)
    {
        var listener = listeners.NameOf(context.Connection.LocalPort);
        var required = context.GetEndpoint()?.Metadata.GetMetadata<ListenerMetadata>()?.Listener;

        var allowed = required is null
            ? listener != ResourceNames.Endpoints.Management
            : string.Equals(required, listener, StringComparison.Ordinal);
        if (allowed)
        {
            return next(context);
        }

        // Do not run the matched endpoint: answer as if the route did not exist here.
        context.SetEndpoint(null);
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
