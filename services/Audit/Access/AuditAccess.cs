using System.Security.Claims;
using HealthPlatform.ServiceDefaults.Authorization;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using Microsoft.AspNetCore.Authorization;

namespace HealthPlatform.Audit.Access;

/// <summary>
/// Who may see what of the audit log. A security officer — role <c>security-officer</c>, signed in
/// with a second factor, holding a <c>user/</c> (or <c>system/</c>) AuditEvent read scope — sees
/// everything, verifies the chain and handles alerts. A patient — a <c>patient/AuditEvent</c> scope
/// with a patient launch context — sees only who accessed their own data. Nobody else sees anything.
/// </summary>
public static class AuditAccess
{
    public const string SecurityOfficerPolicy = "audit-security-officer";

    public const string MultiFactor = "mfa";

    public static IHostApplicationBuilder AddAuditAccess(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddPlatformTokenValidation();
        builder.Services.AddAuthorizationBuilder().AddPolicy(SecurityOfficerPolicy, policy => policy
            .AddAuthenticationSchemes(TokenValidationExtensions.SchemeName)
            .RequireAuthenticatedUser()
            .AddRequirements(new SmartScopeRequirement("AuditEvent", SmartPermissions.Read | SmartPermissions.Search))
            .RequireAssertion(context => IsSecurityOfficer(context.User)));
        return builder;
    }

    /// <summary>A security officer, with a second factor, whose token reaches the whole log (not one patient's part of it).</summary>
    public static bool IsSecurityOfficer(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.HasClaim("role", PlatformRoles.SecurityOfficer)
            && user.HasClaim("amr", MultiFactor)
            && SmartScopeParser.ResourceScopesOf(user).Any(scope => scope.Context != SmartContext.Patient
                && scope.AppliesTo("AuditEvent")
                && scope.Allows(SmartPermissions.Read | SmartPermissions.Search)
                && scope.Parameters.Count == 0);
    }
}
