using Aspire.Hosting.ApplicationModel;

namespace HealthPlatform.AppHost.Infrastructure;

/// <summary>
/// A server the AppHost runs as a local process (postgres, redis-server, rabbitmq-server, epmd)
/// that services reach through a connection string, exactly as they would a container resource.
/// </summary>
public sealed class LocalServerResource(string name, string command, string workingDirectory, Func<LocalServerResource, ReferenceExpression> connectionString)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression => connectionString(this);
}
