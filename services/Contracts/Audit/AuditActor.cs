namespace HealthPlatform.Contracts.Audit;

/// <summary>
/// Who acted: the user (by subject id, never by name), the roles they held, the client application,
/// the calling service's identity for service-to-service calls, and the network address.
/// </summary>
public sealed record AuditActor
{
    /// <summary>The user's subject id (<c>sub</c>), when a user acted.</summary>
    public string? UserId { get; init; }

    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>The OAuth client the request came through (<c>client_id</c>).</summary>
    public string? ClientId { get; init; }

    /// <summary>The calling service's SPIFFE id, for calls over the internal mTLS endpoints.</summary>
    public string? ServiceIdentity { get; init; }

    /// <summary>The remote IP address as the service saw it.</summary>
    public string? NetworkAddress { get; init; }

    /// <summary>An actor nobody could identify (an unauthenticated caller, seen only by address).</summary>
    public static AuditActor Anonymous(string? networkAddress) => new() { NetworkAddress = networkAddress };
}
