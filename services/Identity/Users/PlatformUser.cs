using Microsoft.AspNetCore.Identity;

namespace HealthPlatform.Identity.Users;

/// <summary>
/// A person who signs in: staff or a patient. Names and contact details beyond the user name are
/// deliberately absent — the clinical record lives in records, not here.
/// </summary>
public sealed class PlatformUser : IdentityUser
{
    /// <summary>
    /// The FHIR resource the user is (<c>Patient/123</c>, <c>Practitioner/abc</c>), issued as the
    /// <c>fhirUser</c> claim when the app asks for it.
    /// </summary>
    public string? FhirUser { get; set; }

    /// <summary>A patient user's own FHIR Patient id: their launch context (<c>patient</c>).</summary>
    public string? PatientId { get; set; }
}
