using HealthPlatform.Audit.Access;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;

namespace HealthPlatform.Audit.Verification;

/// <summary><c>POST /audit/verify</c>: a security officer has the whole chain and its checkpoints verified; audited.</summary>
public static class VerificationEndpoints
{
    public static IEndpointRouteBuilder MapChainVerification(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/audit/verify", VerifyAsync).RequireAuthorization(AuditAccess.SecurityOfficerPolicy);
        return endpoints;
    }

    private static async Task<IResult> VerifyAsync(HttpContext context, ChainVerifier verifier, IAuditTrail trail)
    {
        var verification = await verifier.VerifyAsync(context.RequestAborted);
        await trail.RecordAsync(
            new SecurityEventRecorded
            {
                Header = trail.NewHeader(),
                Kind = SecurityEventKind.AuditLogVerified,
                Actor = AuditActors.FromRequest(context),
                Outcome = verification.Intact ? AuditOutcome.Success : AuditOutcome.Failed,
            },
            context.RequestAborted);
        return TypedResults.Ok(verification);
    }
}
