using HealthPlatform.Contracts.Audit;

namespace HealthPlatform.Consent.Store;

/// <summary>Who writes a consent: the audit actor, and whether they are staff acting for the patient.</summary>
public sealed record ConsentAuthor(AuditActor Actor, bool OnBehalfOfPatient)
{
    public string Name => Actor.UserId ?? Actor.ClientId ?? "unknown";
}
