using System.Security.Claims;
using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace HealthPlatform.ServiceDefaults.Authorization.Smart;

/// <summary>
/// Reads scopes as the grammar of SMART App Launch 2.x (with its v1 forms) defines them, rather
/// than matching fixed strings: <c>patient/Observation.rs?category=laboratory</c>,
/// <c>user/*.cruds</c>, <c>system/Patient.read</c>, plus the fixed scopes. A scope that does not
/// follow the grammar is refused with the reason, so a client learns what it got wrong.
/// </summary>
public static partial class SmartScopeParser
{
    /// <summary>The fixed scopes the platform knows (OpenID Connect, SMART launch and the platform's own).</summary>
    public static IReadOnlySet<string> FixedScopes { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "openid", "fhirUser", "profile", "offline_access", "online_access", "launch", "launch/patient", "launch/encounter",
        SmartScopeApis.KeyManagementAdministration, SmartScopeApis.IdentityAdministration,
    };

    /// <summary>SMART v2 permission letters, in the order a scope must list them.</summary>
    private const string PermissionOrder = "cruds";

    /// <summary>The resource scopes an access token grants (its <c>scope</c> claims); scopes that do not parse grant nothing.</summary>
    public static IReadOnlyList<SmartResourceScope> ResourceScopesOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return [.. user.FindAll("scope")
            .SelectMany(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(value => TryParse(value, out var scope, out _) ? scope : null)
            .OfType<SmartResourceScope>()];
    }

    /// <summary>Parses one scope; on failure, <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out SmartScope? scope, [NotNullWhen(false)] out string? error)
    {
        scope = null;
        if (string.IsNullOrEmpty(value))
        {
            error = "A scope is empty.";
            return false;
        }

        if (FixedScopes.Contains(value))
        {
            scope = new SmartFixedScope { Value = value };
            error = null;
            return true;
        }

        var match = ResourceScope().Match(value);
        if (!match.Success)
        {
            error = $"'{Shorten(value)}' is not a known scope and not of the form context/Resource.permissions (e.g. patient/Observation.rs).";
            return false;
        }

        var context = match.Groups["context"].Value switch
        {
            "patient" => SmartContext.Patient,
            "user" => SmartContext.User,
            _ => SmartContext.System,
        };
        var permissionText = match.Groups["permissions"].Value;
        var query = match.Groups["query"];
        SmartPermissions permissions;
        SmartScopeSyntax syntax;
        switch (permissionText)
        {
            case "read":
                (permissions, syntax) = (SmartPermissions.Read | SmartPermissions.Search, SmartScopeSyntax.Version1);
                break;
            case "write":
                (permissions, syntax) = (SmartPermissions.Create | SmartPermissions.Update | SmartPermissions.Delete, SmartScopeSyntax.Version1);
                break;
            case "*":
                (permissions, syntax) = (SmartPermissions.All, SmartScopeSyntax.Version1);
                break;
            default:
                if (!TryReadPermissions(permissionText, out permissions))
                {
                    error = $"'{Shorten(value)}': permissions must be letters of 'cruds', each at most once and in that order.";
                    return false;
                }

                syntax = SmartScopeSyntax.Version2;
                break;
        }

        var parameters = new List<KeyValuePair<string, string>>();
        if (query.Success)
        {
            if (syntax == SmartScopeSyntax.Version1)
            {
                error = $"'{Shorten(value)}': only SMART v2 scopes (e.g. .rs) may be narrowed with search parameters.";
                return false;
            }

            foreach (var pair in query.Value.Split('&'))
            {
                var parts = pair.Split('=', 2);
                if (parts.Length != 2 || !ParameterName().IsMatch(parts[0]) || !ParameterValue().IsMatch(parts[1]))
                {
                    error = $"'{Shorten(value)}': each narrowing must be name=value (e.g. ?category=laboratory).";
                    return false;
                }

                parameters.Add(new(parts[0], parts[1]));
            }
        }

        scope = new SmartResourceScope
        {
            Value = value,
            Context = context,
            ResourceType = match.Groups["type"].Value,
            Permissions = permissions,
            Syntax = syntax,
            Parameters = parameters,
        };
        error = null;
        return true;
    }

    /// <summary>Parses a space-separated scope list (as OAuth sends it); fails on the first scope that does not parse.</summary>
    public static bool TryParseList(string? scopes, [NotNullWhen(true)] out IReadOnlyList<SmartScope>? parsed, [NotNullWhen(false)] out string? error)
    {
        var list = new List<SmartScope>();
        foreach (var value in (scopes ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!TryParse(value, out var scope, out error))
            {
                parsed = null;
                return false;
            }

            list.Add(scope);
        }

        parsed = list;
        error = null;
        return true;
    }

    private static bool TryReadPermissions(string text, out SmartPermissions permissions)
    {
        permissions = SmartPermissions.None;
        var next = 0;
        foreach (var letter in text)
        {
            var index = PermissionOrder.IndexOf(letter, StringComparison.Ordinal);
            if (index < next)
            {
                return false;
            }

            permissions |= (SmartPermissions)(1 << index);
            next = index + 1;
        }

        return permissions != SmartPermissions.None;
    }

    /// <summary>
    /// Echoes at most 80 characters of what a client sent, with anything an OAuth
    /// <c>error_description</c> may not carry (controls, quotes, backslashes, non-ASCII) as '?'.
    /// </summary>
    private static string Shorten(string value)
    {
        var shown = value.Length <= 80 ? value : value[..80];
        var safe = string.Concat(shown.Select(c => c is >= ' ' and <= '~' and not '"' and not '\\' ? c : '?'));
        return shown.Length < value.Length ? safe + "..." : safe;
    }

    [GeneratedRegex(@"^(?<context>patient|user|system)/(?<type>\*|[A-Z][A-Za-z]{1,63})\.(?<permissions>read|write|\*|[a-z]{1,5})(\?(?<query>.+))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex ResourceScope();

    [GeneratedRegex(@"^[a-z][a-z0-9\-_.:]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterName();

    [GeneratedRegex(@"^[A-Za-z0-9\-_.:/|]{1,256}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterValue();
}
