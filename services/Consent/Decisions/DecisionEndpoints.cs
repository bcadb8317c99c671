using HealthPlatform.Consent.Access;
using HealthPlatform.Consent.Fhir;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using HealthPlatform.ServiceDefaults.RateLimiting;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HealthPlatform.Consent.Decisions;

/// <summary>Explained decision: the answer and why, in words.</summary>
public sealed record ExplainedDecision(DecisionResponse Decision, IReadOnlyList<string> Explanation);

/// <summary>
/// The decision point. <c>POST /decisions</c> on the internal listener, for the records service
/// only (its client certificate): the answer the enforcement point acts on. <c>POST
/// /consent/explain</c> on the public listener: the same question answered in words, for the
/// patient whose consents decide it and for security officers.
/// </summary>
public static class DecisionEndpoints
{
    /// <summary>
    /// The enforcement point asks on every access it cannot answer from its cache: far above the
    /// default per-caller allowance (<c>RateLimiting:Policies:consent-decisions</c>; 60,000 a minute
    /// per calling service unless configured).
    /// </summary>
    public const string RateLimitPolicy = "consent-decisions";

    public static IEndpointRouteBuilder MapDecisions(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/decisions", DecideAsync)
            .RequireService(ResourceNames.Records)
            .WithRateLimit(RateLimitPolicy)
            .WithName("Decide")
            .WithSummary("Permit or deny, the provisions that decided, obligations.");
        endpoints.MapPost("/consent/explain", ExplainAsync)
            .RequireSmartScope("Consent", SmartPermissions.Read)
            .WithName("ExplainDecision")
            .WithSummary("A decision and why, in words: for the patient (own data) and security officers.");
        return endpoints;
    }

    private static async Task<Results<Ok<DecisionResponse>, ValidationProblem>> DecideAsync(DecisionRequest request, HttpContext context, ConsentDecisions decisions)
    {
        if (request.ToQuestion(out var problems) is not { } question)
        {
            return TypedResults.ValidationProblem(problems);
        }

        var decision = await decisions.DecideForAsync(question, AuditActors.FromRequest(context).ServiceIdentity, context.RequestAborted);
        return TypedResults.Ok(DecisionResponse.From(decision));
    }

    private static async Task<Results<Ok<ExplainedDecision>, ValidationProblem, ProblemHttpResult>> ExplainAsync(DecisionRequest request, HttpContext context, ConsentDecisions decisions, IAuditTrail trail)
    {
        if (request.ToQuestion(out var problems) is not { } question)
        {
            return TypedResults.ValidationProblem(problems);
        }

        if (!ConsentAccess.MayExplain(context, question.PatientId))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Not allowed to see this patient's consent decisions.",
                detail: "Only the patient (their own data) and security officers signed in with a second factor may.",
                type: "https://healthplatform.dev/problems/explain-forbidden");
        }

        var (decision, consents) = await decisions.DecideAsync(question, context.RequestAborted);

        // An explanation shows what the patient's consents say: audited as a read of them before it leaves.
        if (!await ConsentRequests.RecordReadAsync(context, trail, AuditActors.FromRequest(context), AuditAction.Execute, question.PatientId, [.. consents.Select(consent => consent.ConsentId)]))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The request could not be audited, so the explanation is withheld.",
                type: "https://healthplatform.dev/problems/audit-unavailable");
        }

        return TypedResults.Ok(new ExplainedDecision(DecisionResponse.From(decision), Explanation.Of(question, decision)));
    }
}
