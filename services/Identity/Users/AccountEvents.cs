using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;

namespace HealthPlatform.Identity.Users;

/// <summary>Security events about a user's account, written off the request path: the user (or who acted on them) and the network address.</summary>
public sealed class AccountEvents(IAuditTrail trail, ISecurityEventWriter writer)
{
    /// <summary>An event the user caused themselves (signing in, enrolling an authenticator).</summary>
    public ValueTask WriteAsync(HttpContext context, SecurityEventKind kind, AuditOutcome outcome, PlatformUser? user, string? reason = null, string? targetClientId = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return writer.WriteAsync(
            new SecurityEventRecorded
            {
                Header = trail.NewHeader(),
                Kind = kind,
                Actor = new AuditActor { UserId = user?.Id, NetworkAddress = AuditActors.AddressOf(context.Connection.RemoteIpAddress) },
                Outcome = outcome,
                TargetUserId = user?.Id,
                TargetClientId = targetClientId,
                Reason = reason,
            },
            CancellationToken.None);
    }
}
