using System.Security.Claims;
using HealthPlatform.ServiceDefaults.Authorization;
using HealthPlatform.ServiceDefaults.Authorization.Smart;

namespace HealthPlatform.Consent.Access;

/// <summary>Who may see why a decision came out as it did.</summary>
public static class ConsentAccess
{
    public const string MultiFactor = "mfa";

    /// <summary>The patient themself (role patient, their own record as launch context) or a security officer signed in with a second factor and a <c>user/Consent</c> read scope.</summary>
    public static bool MayExplain(HttpContext context, string patientId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var grant = context.Features.Get<SmartScopeGrant>();
        if (grant is null)
        {
            return false;
        }

        var ownRecord = context.User.HasClaim("role", PlatformRoles.Patient)
            && grant.PatientId == patientId
            && grant.Scopes.Any(scope => scope.Context == SmartContext.Patient);
        return ownRecord || IsSecurityOfficer(context.User, grant);
    }

    private static bool IsSecurityOfficer(ClaimsPrincipal user, SmartScopeGrant grant) =>
        user.HasClaim("role", PlatformRoles.SecurityOfficer)
        && user.HasClaim("amr", MultiFactor)
        && grant.Scopes.Any(scope => scope.Context == SmartContext.User && scope.Parameters.Count == 0);
}
