using HealthPlatform.Consent.Domain;
using HealthPlatform.Consent.Fhir;
using Hl7.Fhir.Model;
using FhirConsent = Hl7.Fhir.Model.Consent;

namespace HealthPlatform.Consent.Tests;

/// <summary>Consents as tests write them: a base rule and nested provisions, built from small parts.</summary>
public static class Consents
{
    public static FhirConsent For(string patientId, FhirConsent.ConsentProvisionType baseRule, params FhirConsent.provisionComponent[] exceptions)
    {
        var consent = ConsentSamples.Sample(patientId);
        consent.Provision = new FhirConsent.provisionComponent { Type = baseRule, Provision = [.. exceptions] };
        return consent;
    }

    public static FhirConsent.provisionComponent Provision(
        FhirConsent.ConsentProvisionType type,
        string? practitioner = null,
        string? role = null,
        string? organization = null,
        string? client = null,
        string[]? purposes = null,
        string[]? classes = null,
        string[]? labels = null,
        Period? period = null,
        params FhirConsent.provisionComponent[] nested)
    {
        var provision = new FhirConsent.provisionComponent { Type = type, Period = period, Provision = [.. nested] };
        if (practitioner is not null)
        {
            provision.Actor.Add(Actor(new ResourceReference("Practitioner/" + practitioner)));
        }

        if (role is not null)
        {
            provision.Actor.Add(Actor(new ResourceReference { Type = "PractitionerRole", Identifier = new Identifier(ConsentVocabulary.RoleSystem, role) }));
        }

        if (organization is not null)
        {
            provision.Actor.Add(Actor(new ResourceReference("Organization/" + organization)));
        }

        if (client is not null)
        {
            provision.Actor.Add(Actor(new ResourceReference { Type = "Device", Identifier = new Identifier(ConsentVocabulary.ClientSystem, client) }));
        }

        provision.Purpose = [.. (purposes ?? []).Select(code => new Coding(ConsentVocabulary.PurposeSystem, code))];
        provision.Class = [.. (classes ?? []).Select(code => new Coding(ConsentVocabulary.ResourceTypeSystem, code))];
        provision.SecurityLabel = [.. (labels ?? []).Select(code => new Coding(ConsentVocabulary.SystemOf(code), code))];
        return provision;
    }

    public static FhirConsent.provisionActorComponent Actor(ResourceReference reference) => new()
    {
        Role = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "PRCP"),
        Reference = reference,
    };

    public static FhirConsent.provisionComponent Permit(string? practitioner = null, string? role = null, string[]? purposes = null, string[]? classes = null, string[]? labels = null, Period? period = null) =>
        Provision(FhirConsent.ConsentProvisionType.Permit, practitioner, role, purposes: purposes, classes: classes, labels: labels, period: period);

    public static FhirConsent.provisionComponent Deny(string? practitioner = null, string? role = null, string[]? purposes = null, string[]? classes = null, string[]? labels = null, Period? period = null) =>
        Provision(FhirConsent.ConsentProvisionType.Deny, practitioner, role, purposes: purposes, classes: classes, labels: labels, period: period);
}
