namespace HealthPlatform.Contracts.KeyManagement;

/// <summary>
/// Published when a subject's key was destroyed (crypto-shredding): every instance of every client
/// evicts it from its cache at once (each on its own auto-delete queue). The key-management service
/// keeps the destruction durably; this event only makes caches forget sooner than they would.
/// </summary>
public sealed record SubjectKeyDestroyed
{
    public required string KeyName { get; init; }

    /// <summary>The subject (a FHIR Patient id).</summary>
    public required string SubjectId { get; init; }

    public required DateTimeOffset DestroyedAt { get; init; }
}
