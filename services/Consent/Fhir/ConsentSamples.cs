using HealthPlatform.Consent.Domain;
using Hl7.Fhir.Model;
using FhirConsent = Hl7.Fhir.Model.Consent;

namespace HealthPlatform.Consent.Fhir;

/// <summary>A minimal valid patient-privacy consent: the shape the README shows and the validator warms up on.</summary>
public static class ConsentSamples
{
    public static FhirConsent Sample(string patientId) => new()
    {
        Status = FhirConsent.ConsentState.Active,
        Scope = new CodeableConcept(ConsentVocabulary.ScopeSystem, ConsentVocabulary.PatientPrivacy),
        Category = [new CodeableConcept("http://loinc.org", "59284-0")],
        Patient = new ResourceReference("Patient/" + patientId),
        PolicyRule = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN"),
        Provision = new FhirConsent.provisionComponent { Type = FhirConsent.ConsentProvisionType.Permit },
    };
}
