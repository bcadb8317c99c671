using HealthPlatform.ServiceDefaults.Authorization;

namespace HealthPlatform.Identity.Users;

/// <summary>Sign-in sessions and multi-factor authentication (section <c>Identity:Accounts</c>).</summary>
public sealed class AccountOptions
{
    public const string SectionName = "Identity:Accounts";

    /// <summary>
    /// Roles that never get a token without a second factor: their users enrol an authenticator at
    /// their first sign-in and enter a code at every sign-in after it.
    /// </summary>
    /// <remarks>Unset means admin and security-officer; set, it replaces them.</remarks>
    public IList<string>? MfaRequiredRoles { get; set; }

    /// <summary><see cref="MfaRequiredRoles"/>, or the default (admin, security-officer).</summary>
    public IReadOnlyList<string> EffectiveMfaRequiredRoles => MfaRequiredRoles is { } roles ? [.. roles] : [PlatformRoles.Admin, PlatformRoles.SecurityOfficer];

    /// <summary>
    /// Automatic logoff (HIPAA §164.312(a)(2)(iii)): a session unused for this long ends. Sliding,
    /// renewed by use; it never outlives this span after the last request that renewed it.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>However active, a session ends this long after sign-in.</summary>
    public TimeSpan MaxSessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Whether <paramref name="roles"/> include one that requires a second factor.</summary>
    public bool RequiresMfa(IEnumerable<string> roles) => roles.Any(role => EffectiveMfaRequiredRoles.Contains(role, StringComparer.Ordinal));
}
