using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.ServiceDefaults.Data;

/// <summary>
/// A service whose runtime database role is deliberately weaker than the role that owns its
/// schema: migrations run with the owner's connection string (<c>ConnectionStrings:{name}</c>),
/// then <see cref="IDatabaseGrants{TContext}"/> gives the runtime role exactly the privileges it
/// needs. Where the owner's connection string is not configured (a Kubernetes deployment that
/// migrates in an init container or a Job), the service waits until the migrations are in.
/// </summary>
public sealed record DatabaseOwner<TContext>(string ConnectionName, string? ConnectionString)
    where TContext : DbContext;

public static class DatabaseOwner
{
    /// <summary>The owner's connection string is named after the runtime one: <c>{name}-owner</c>.</summary>
    public static string ConnectionNameOf(string name) => name + "-owner";
}

/// <summary>Grants the runtime role its privileges, as the owner, after every migration run (idempotently).</summary>
public interface IDatabaseGrants<TContext>
    where TContext : DbContext
{
    /// <summary>
    /// Tables the runtime role may read and append to but never delete from, truncate or update —
    /// except <see cref="UpdatableColumns"/>; the readiness check holds the service back if it could.
    /// </summary>
    IReadOnlyList<string> AppendOnlyTables { get; }

    /// <summary>The columns of <see cref="AppendOnlyTables"/> the runtime role may update, as <c>table.column</c>.</summary>
    IReadOnlyList<string> UpdatableColumns { get; }

    Task GrantAsync(TContext owner, string runtimeRole, CancellationToken cancellationToken);
}
