using HealthPlatform.Consent.Domain;
using HealthPlatform.Consent.Infrastructure;
using HealthPlatform.Consent.Store;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;

namespace HealthPlatform.Consent.Decisions;

/// <summary>
/// Answers decision questions from the patient's active consents and the default policy. A deny,
/// and an emergency override, is audited (<see cref="AuthorizationDecided"/>) through the outbox
/// before the answer leaves: durably, without waiting for the broker.
/// </summary>
public sealed class ConsentDecisions(ConsentStore store, ConsentDecisionEngine engine, ConsentDbContext database, IAuditTrail trail, TimeProvider time)
{
    /// <summary>The decision and the active consents it was made from.</summary>
    public async Task<(Decision Decision, IReadOnlyList<ConsentRules> Consents)> DecideAsync(DecisionQuestion question, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        var consents = await store.ActiveRulesAsync(question.PatientId, cancellationToken);
        return (engine.Decide(question, consents, time.GetUtcNow()), consents);
    }

    /// <summary>Decides for a calling service (the enforcement point) and audits what must be.</summary>
    public async Task<Decision> DecideForAsync(DecisionQuestion question, string? callerService, CancellationToken cancellationToken)
    {
        var (decision, _) = await DecideAsync(question, cancellationToken);
        if (!decision.Permitted || decision.BreakTheGlass == BreakTheGlassOutcome.Applied)
        {
            trail.Enqueue(database, new AuthorizationDecided
            {
                Header = trail.NewHeader(),
                Actor = new AuditActor
                {
                    UserId = question.Actor.UserId,
                    Roles = [.. question.Actor.Roles.Where(AuditEventSchema.IsRole)],
                    ClientId = question.Actor.ClientId,
                    ServiceIdentity = callerService,
                },
                Decision = decision.Outcome,
                DecidingStep = decision.BreakTheGlass == BreakTheGlassOutcome.Applied ? DecisionStep.BreakTheGlass : DecisionStep.Consent,
                Reason = decision.Reason,
                ResourceType = question.ResourceType,
                PatientId = question.PatientId,
                PurposeOfUse = question.Purpose,
                BreakTheGlass = question.BreakTheGlass,
            });
            await database.SaveChangesAsync(cancellationToken);
        }

        return decision;
    }
}
