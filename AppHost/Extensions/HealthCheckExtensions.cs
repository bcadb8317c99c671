using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthPlatform.AppHost.Extensions;

internal static class HealthCheckExtensions
{
    /// <summary>
    /// Gives <paramref name="resource"/> a health check that connects with its own connection
    /// string, so <c>WaitFor</c> means "accepts connections", not merely "process started".
    /// </summary>
    public static void AddConnectionHealthCheck<T>(
        this IDistributedApplicationBuilder builder,
        IResourceBuilder<T> resource,
        Func<string, CancellationToken, Task> probe)
        where T : IResourceWithConnectionString
    {
        var key = $"{resource.Resource.Name}-connects";
        builder.Services.AddHealthChecks().AddAsyncCheck(key, async cancellationToken =>
        {
            var connectionString = await resource.Resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
            if (string.IsNullOrEmpty(connectionString))
            {
                return HealthCheckResult.Unhealthy("No connection string yet");
            }

            try
            {
                await probe(connectionString, cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Report the failure's kind only: the message may echo connection details.
                return HealthCheckResult.Unhealthy($"Connection failed ({ex.GetType().Name})");
            }
        });
        resource.WithHealthCheck(key);
    }
}
