namespace HealthPlatform.ServiceDefaults.Authorization;

/// <summary>The roles a platform user holds, as the <c>role</c> claim of their access tokens carries them.</summary>
public static class PlatformRoles
{
    public const string Physician = "physician";
    public const string Nurse = "nurse";
    public const string Pharmacist = "pharmacist";
    public const string Billing = "billing";
    public const string Admin = "admin";
    public const string SecurityOfficer = "security-officer";
    public const string Patient = "patient";

    public static IReadOnlyList<string> All { get; } = [Physician, Nurse, Pharmacist, Billing, Admin, SecurityOfficer, Patient];

    /// <summary>Roles whose users choose a patient for <c>launch/patient</c> (a patient's context is their own record).</summary>
    public static IReadOnlyList<string> Clinical { get; } = [Physician, Nurse, Pharmacist];
}
