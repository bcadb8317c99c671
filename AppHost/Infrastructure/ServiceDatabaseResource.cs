using Aspire.Hosting.ApplicationModel;

namespace HealthPlatform.AppHost.Infrastructure;

/// <summary>
/// One service's database on the shared Postgres server, reached with a login role of the same
/// name that owns it and can connect to nothing else. The AppHost creates both when the server
/// is ready (<see cref="DatabaseProvisioner"/>). A database with a <see cref="RuntimePassword"/>
/// also has a second login role, <c>{name}_app</c>, that the service runs as: it owns nothing, and
/// the service's migrations grant it only what it needs (the audit log: read and append). The
/// service then gets that role as <c>ConnectionStrings:{name}</c> and the owner as
/// <c>ConnectionStrings:{name}-owner</c>.
/// </summary>
public sealed class ServiceDatabaseResource(
    string name, IResourceWithConnectionString server, EndpointReference serverEndpoint, ParameterResource password, ParameterResource? runtimePassword = null)
    : Resource(name), IResourceWithParent<IResourceWithConnectionString>, IResourceWithConnectionString
{
    public IResourceWithConnectionString Parent { get; } = server;

    /// <summary>Role and database share the resource name, e.g. <c>recordsdb</c>.</summary>
    public string DatabaseName => Name;

    public ParameterResource Password { get; } = password;

    /// <summary>The password of the weaker role the service runs as, when it has one.</summary>
    public ParameterResource? RuntimePassword { get; } = runtimePassword;

    public string RuntimeRoleName => DatabaseName + "_app";

    /// <summary>What the service connects as: the runtime role where there is one, else the owner.</summary>
    public ReferenceExpression ConnectionStringExpression => RuntimePassword is null
        ? OwnerConnectionStringExpression
        : ReferenceExpression.Create(
            $"Host={serverEndpoint.Property(EndpointProperty.Host)};Port={serverEndpoint.Property(EndpointProperty.Port)};Username={RuntimeRoleName};Password={RuntimePassword};Database={DatabaseName}");

    public ReferenceExpression OwnerConnectionStringExpression => ReferenceExpression.Create(
        $"Host={serverEndpoint.Property(EndpointProperty.Host)};Port={serverEndpoint.Property(EndpointProperty.Port)};Username={DatabaseName};Password={Password};Database={DatabaseName}");
}

/// <summary>
/// The owner's connection to a database whose service runs as a weaker role: given to the service
/// as <c>ConnectionStrings:{name}-owner</c> to migrate with. Ready when the database is. (Not a
/// child resource: waiting for it should not wait for the database and its server twice.)
/// </summary>
public sealed class ServiceDatabaseOwnerResource(ServiceDatabaseResource database)
    : Resource(database.Name + "-owner"), IResourceWithConnectionString
{
    public ServiceDatabaseResource Database { get; } = database;

    public ReferenceExpression ConnectionStringExpression => Database.OwnerConnectionStringExpression;
}
