namespace HealthPlatform.Contracts.Audit;

/// <summary>The HL7 v3 ActReason code of each purpose of use (system <see cref="System"/>), as FHIR resources and the consent decision API write them.</summary>
public static class PurposeOfUseCodes
{
    public const string System = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

    public static IReadOnlyDictionary<string, PurposeOfUse> ByCode { get; } = new Dictionary<string, PurposeOfUse>(StringComparer.Ordinal)
    {
        ["TREAT"] = PurposeOfUse.Treatment,
        ["HPAYMT"] = PurposeOfUse.Payment,
        ["HOPERAT"] = PurposeOfUse.Operations,
        ["HRESCH"] = PurposeOfUse.Research,
        ["PUBHLTH"] = PurposeOfUse.PublicHealth,
        ["PATRQT"] = PurposeOfUse.PatientRequest,
        ["BTG"] = PurposeOfUse.Emergency,
    };

    public static string CodeOf(PurposeOfUse purpose) =>
        ByCode.FirstOrDefault(pair => pair.Value == purpose).Key ?? throw new ArgumentOutOfRangeException(nameof(purpose), purpose, "Not a purpose of use.");
}
