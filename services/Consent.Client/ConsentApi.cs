using System.Net.Http.Json;
using HealthPlatform.Contracts.Audit;

namespace HealthPlatform.Consent.Client;

/// <summary>The consent service's decision endpoint over mTLS (this service's certificate; the callee's must name consent). Uncached: most callers want <see cref="ConsentDecisions"/>.</summary>
public sealed class ConsentApi(HttpClient http)
{
    public async Task<ConsentDecision> DecideAsync(ConsentQuestion question, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        var body = new
        {
            patient = question.PatientId,
            actor = new
            {
                user = question.Actor.UserId,
                practitioner = question.Actor.Practitioner,
                roles = question.Actor.Roles,
                organization = question.Actor.Organization,
                client = question.Actor.ClientId,
            },
            purpose = PurposeOfUseCodes.CodeOf(question.Purpose),
            resourceType = question.ResourceType,
            securityLabels = question.SecurityLabels,
        };
        using var response = await http.PostAsJsonAsync("/decisions", body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            // The problem names fields, never values.
            var problem = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new ConsentDecisionException($"The consent service refused the question ({(int)response.StatusCode}): {problem}");
        }

        return await response.Content.ReadFromJsonAsync<ConsentDecision>(cancellationToken)
            ?? throw new ConsentDecisionException("The consent service answered without a decision.");
    }
}
