using Aspire.Hosting.ApplicationModel;

namespace HealthPlatform.AppHost.Infrastructure;

/// <summary>
/// One service's database on the shared Postgres server, reached with a login role of the same
/// name that owns it and can connect to nothing else. The AppHost creates both when the server
/// is ready (<see cref="DatabaseProvisioner"/>).
/// </summary>
public sealed class ServiceDatabaseResource(string name, IResourceWithConnectionString server, EndpointReference serverEndpoint, ParameterResource password)
    : Resource(name), IResourceWithParent<IResourceWithConnectionString>, IResourceWithConnectionString
{
    public IResourceWithConnectionString Parent { get; } = server;

    /// <summary>Role and database share the resource name, e.g. <c>recordsdb</c>.</summary>
    public string DatabaseName => Name;

    public ParameterResource Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={serverEndpoint.Property(EndpointProperty.Host)};Port={serverEndpoint.Property(EndpointProperty.Port)};Username={DatabaseName};Password={Password};Database={DatabaseName}");
}
