using HealthPlatform.Contracts.Revocation;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.ServiceDefaults.Authorization.Revocations;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Identity.Revocations;

public static class RevocationEndpoints
{
    /// <summary>
    /// The revocation list every validating service loads at start and re-reads: the entries still
    /// in force. Internal listener, any platform service (mTLS).
    /// </summary>
    public static IEndpointRouteBuilder MapRevocationList(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(RevocationListClient.Path, async (IdentityDbContext database, TimeProvider time, CancellationToken cancellationToken) =>
            {
                var now = time.GetUtcNow();
                var entries = await database.AccessRevocations.AsNoTracking()
                    .Where(record => record.ExpiresAt > now)
                    .OrderBy(record => record.RevokedAt)
                    .ToListAsync(cancellationToken);
                return TypedResults.Ok(new RevocationListSnapshot { Revocations = [.. entries.Select(record => record.ToEvent())] });
            })
            .RequireAnyService();
        return endpoints;
    }
}
