using System.Globalization;
using HealthPlatform.ServiceDefaults.Hosting;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.RateLimiting;

/// <summary>
/// Charges every call on the public and internal listeners to its route's policy (default: cost 1
/// of <c>default</c>), per caller: the calling service on the internal listener, the client and
/// user once tokens exist, the network address otherwise. It runs before authorization, so calls
/// that end in 401 or 403 are counted too (guessing credentials costs). A refused call gets 429
/// with <c>Retry-After</c> and a ProblemDetails body; every limited response names its policy in
/// <c>RateLimit-Policy</c> (IETF draft-ietf-httpapi-ratelimit-headers: quota and window in seconds).
/// </summary>
internal sealed class RateLimitingMiddleware(
    RequestDelegate next,
    RateLimitStage stage,
    PlatformRateLimiter limiter,
    PlatformListeners listeners,
    IOptions<RateLimitingOptions> options,
    IProblemDetailsService problems)
{
    private static readonly RateLimitMetadata Default = new(RateLimitingOptions.DefaultPolicy, 1);

    public async Task InvokeAsync(HttpContext context)
    {
        var listener = listeners.NameOf(context.Connection.LocalPort);
        if (listener is null or ResourceNames.Endpoints.Management)
        {
            await next(context);
            return;
        }

        // Early paths are counted before authentication, everything else after it; never both.
        // A trailing slash does not make another path: OpenIddict answers /connect/token/ as /connect/token.
        var path = context.Request.Path.Value ?? string.Empty;
        var early = options.Value.EarlyPaths.TryGetValue(path.Length > 1 ? path.TrimEnd('/') : path, out var earlyPolicy);
        if (early != (stage == RateLimitStage.BeforeAuthentication))
        {
            await next(context);
            return;
        }

        var route = early ? new RateLimitMetadata(earlyPolicy!, 1) : context.GetEndpoint()?.Metadata.GetMetadata<RateLimitMetadata>() ?? Default;
        var policy = options.Value.Policies[route.Policy];
        context.Response.Headers["RateLimit-Policy"] = string.Create(
            CultureInfo.InvariantCulture, $"\"{route.Policy}\";q={policy.PermitLimit};w={(int)policy.Window.TotalSeconds}");

        var decision = await limiter.AcquireAsync(route.Policy, PartitionOf(context, listener), route.Cost, context.RequestAborted);
        if (decision.Allowed)
        {
            await next(context);
            return;
        }

        var retryAfter = decision.RetryAfter ?? policy.Window;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"The '{route.Policy}' limit of {policy.PermitLimit} per {policy.Window.TotalSeconds} s is used up; retry after the Retry-After delay.",
            },
        });
    }

    private static string PartitionOf(HttpContext context, string listener)
    {
        if (listener == ResourceNames.Endpoints.Internal && context.Connection.ClientCertificate is { } certificate
            && ServiceIdentity.FromCertificate(certificate) is { } service)
        {
            return $"service:{service}";
        }

        var user = context.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            return $"client:{user.FindFirst("client_id")?.Value}:sub:{user.FindFirst("sub")?.Value}";
        }

        return $"ip:{context.Connection.RemoteIpAddress}";
    }
}

/// <summary>Where in the pipeline a limiter instance runs.</summary>
internal enum RateLimitStage
{
    /// <summary>Only the early paths (<see cref="RateLimitingOptions.EarlyPaths"/>), before authentication.</summary>
    BeforeAuthentication,

    /// <summary>Every other call, after authentication, so callers can be told apart by token.</summary>
    AfterAuthentication,
}
