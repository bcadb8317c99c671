using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.Identity.Revocations;
using HealthPlatform.Identity.Users;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace HealthPlatform.Identity.Administration;

public sealed record NewUserRequest
{
    [JsonPropertyName("user_name")]
    public string? UserName { get; init; }

    [JsonPropertyName("roles")]
    public IReadOnlyList<string>? Roles { get; init; }

    /// <summary>A patient user's own FHIR Patient id.</summary>
    [JsonPropertyName("patient_id")]
    public string? PatientId { get; init; }

    /// <summary>The FHIR resource the user is (<c>Practitioner/…</c>, <c>Patient/…</c>).</summary>
    [JsonPropertyName("fhir_user")]
    public string? FhirUser { get; init; }
}

public sealed record RolesRequest
{
    [JsonPropertyName("roles")]
    public IReadOnlyList<string>? Roles { get; init; }
}

public sealed record ElevationRequest
{
    [JsonPropertyName("role")]
    public string? Role { get; init; }

    [JsonPropertyName("minutes")]
    public int? Minutes { get; init; }

    [JsonPropertyName("reason")]
    public string? Reason { get; init; }
}

/// <summary>
/// Users and roles: create users (with a generated initial password, shown once), set roles, disable
/// and enable, reset an authenticator, grant a role for a bounded time (just-in-time elevation), and
/// revoke everything a user holds. Every change is audited with the administrator; an administrator
/// cannot elevate, disable or change the roles of their own account.
/// </summary>
internal static partial class UserAdministration
{
    public static RouteGroupBuilder MapUserAdministration(this RouteGroupBuilder admin)
    {
        admin.MapGet("/users", ListAsync);
        admin.MapPost("/users", CreateAsync);
        admin.MapPut("/users/{userId}/roles", SetRolesAsync);
        admin.MapPost("/users/{userId}/disable", DisableAsync);
        admin.MapPost("/users/{userId}/enable", EnableAsync);
        admin.MapPost("/users/{userId}/authenticator/reset", ResetAuthenticatorAsync);
        admin.MapPost("/users/{userId}/elevations", ElevateAsync);
        admin.MapPost("/users/{userId}/revocations", RevokeAsync);
        return admin;
    }

    private static async Task<Ok<List<UserSummary>>> ListAsync(UserManager<PlatformUser> users, EffectiveRoles roles, IdentityDbContext database, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var elevations = (await database.RoleElevations.AsNoTracking().Where(elevation => elevation.EndedAt == null && elevation.ExpiresAt > now).ToListAsync(cancellationToken))
            .ToLookup(elevation => elevation.UserId, StringComparer.Ordinal);
        var summaries = new List<UserSummary>();
        foreach (var user in await users.Users.AsNoTracking().OrderBy(user => user.UserName).Take(1000).ToListAsync(cancellationToken))
        {
            summaries.Add(new UserSummary(
                user.Id,
                user.UserName!,
                [.. await users.GetRolesAsync(user)],
                [.. elevations[user.Id].Select(elevation => new ElevationSummary(elevation.Id, elevation.Role, elevation.ExpiresAt, elevation.Reason))],
                user.LockoutEnd is { } end && end > now,
                user.TwoFactorEnabled,
                user.PatientId));
        }

        return TypedResults.Ok(summaries);
    }

    private static async Task<Results<Created<CreatedUser>, ValidationProblem, Conflict<ProblemDetailsBody>>> CreateAsync(
        HttpContext context, NewUserRequest request, UserManager<PlatformUser> users, RoleManager<IdentityRole> roleStore, IAuditTrail trail)
    {
        var problems = RoleProblems(request.Roles, request.PatientId);
        if (request.UserName is not { Length: >= 3 and <= 64 } userName || !UserNameFormat().IsMatch(userName))
        {
            problems["user_name"] = ["Required: 3–64 characters, letters, digits, '.', '_' or '-'."];
        }

        // Who the user is in the record follows from the role: a patient is their own Patient, staff a Practitioner.
        var isPatient = request.Roles?.Contains(PlatformRoles.Patient) == true;
        var fhirUser = isPatient && request.PatientId is { } ownId ? "Patient/" + ownId : request.FhirUser;
        if (isPatient ? request.FhirUser is not null && request.FhirUser != fhirUser : fhirUser is not null && !PractitionerFormat().IsMatch(fhirUser))
        {
            problems["fhir_user"] = [isPatient ? "A patient user is Patient/{patient_id}; leave fhir_user out." : "Staff are Practitioner/{id}."];
        }

        if (problems.Count > 0)
        {
            return TypedResults.ValidationProblem(problems);
        }

        if (await users.FindByNameAsync(request.UserName!) is not null)
        {
            return TypedResults.Conflict(new ProblemDetailsBody("A user with this name exists already."));
        }

        // One account per patient: a second one linked to the same record would act as that patient.
        if (request.PatientId is { } patientId && await users.Users.AnyAsync(user => user.PatientId == patientId, context.RequestAborted))
        {
            return TypedResults.Conflict(new ProblemDetailsBody("A user is linked to this patient already."));
        }

        // An initial password nobody chose, shown once: the administrator hands it over out of band.
        var password = "Hp-" + Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(18)) + "-9a";
        var user = new PlatformUser { UserName = request.UserName, PatientId = request.PatientId, FhirUser = fhirUser };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["user_name"] = [.. created.Errors.Select(error => error.Description)] });
        }

        foreach (var role in request.Roles!)
        {
            await EnsureRoleAsync(roleStore, role);
            await users.AddToRoleAsync(user, role);
            await trail.AuditAsync(context, SecurityEventKind.RoleGranted, targetUserId: user.Id, role: role);
        }

        await trail.AuditAsync(context, SecurityEventKind.UserCreated, targetUserId: user.Id);
        return TypedResults.Created($"/admin/users/{user.Id}", new CreatedUser(user.Id, user.UserName!, password));
    }

    private static async Task<Results<NoContent, NotFound, ValidationProblem, ForbidHttpResult>> SetRolesAsync(
        HttpContext context, string userId, RolesRequest request, UserManager<PlatformUser> users, RoleManager<IdentityRole> roleStore, AccessRevocations revocations, IAuditTrail trail)
    {
        if (await users.FindByIdAsync(userId) is not { } user)
        {
            return TypedResults.NotFound();
        }

        if (IsSelf(context, userId))
        {
            return SelfForbidden();
        }

        var problems = RoleProblems(request.Roles, user.PatientId);
        if (problems.Count > 0)
        {
            return TypedResults.ValidationProblem(problems);
        }

        var current = await users.GetRolesAsync(user);
        var removed = current.Except(request.Roles!, StringComparer.Ordinal).ToList();
        foreach (var role in request.Roles!.Except(current, StringComparer.Ordinal))
        {
            await EnsureRoleAsync(roleStore, role);
            await users.AddToRoleAsync(user, role);
            await trail.AuditAsync(context, SecurityEventKind.RoleGranted, targetUserId: userId, role: role);
        }

        foreach (var role in removed)
        {
            await users.RemoveFromRoleAsync(user, role);
            await trail.AuditAsync(context, SecurityEventKind.RoleRemoved, targetUserId: userId, role: role);
        }

        if (removed.Count > 0)
        {
            // Tokens issued with a removed role carry it until they expire: they go now.
            await users.UpdateSecurityStampAsync(user);
            await revocations.RevokeSubjectAsync(userId, AdministrationExtensions.ActorOf(context), "roles removed: " + string.Join(", ", removed), context.RequestAborted);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, NotFound, ForbidHttpResult>> DisableAsync(
        HttpContext context, string userId, ReasonRequest? body, UserManager<PlatformUser> users, AccessRevocations revocations, IAuditTrail trail)
    {
        if (await users.FindByIdAsync(userId) is not { } user)
        {
            return TypedResults.NotFound();
        }

        if (IsSelf(context, userId))
        {
            return SelfForbidden();
        }

        // Locked out for good: no sign-in, the security stamp ends every session, and every token goes.
        await users.SetLockoutEnabledAsync(user, true);
        await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
        await users.UpdateSecurityStampAsync(user);
        var reason = AuditEventSchema.BoundedReason(body?.Reason) ?? "user disabled";
        await revocations.RevokeSubjectAsync(userId, AdministrationExtensions.ActorOf(context), reason, context.RequestAborted);
        await trail.AuditAsync(context, SecurityEventKind.UserDisabled, targetUserId: userId, reason: reason);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, NotFound>> EnableAsync(HttpContext context, string userId, UserManager<PlatformUser> users, IAuditTrail trail)
    {
        if (await users.FindByIdAsync(userId) is not { } user)
        {
            return TypedResults.NotFound();
        }

        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        await trail.AuditAsync(context, SecurityEventKind.UserEnabled, targetUserId: userId);
        return TypedResults.NoContent();
    }

    /// <summary>Removes the user's authenticator and recovery codes: they enrol a new one at their next sign-in (if their role requires it).</summary>
    private static async Task<Results<NoContent, NotFound, ForbidHttpResult>> ResetAuthenticatorAsync(
        HttpContext context, string userId, UserManager<PlatformUser> users, AccessRevocations revocations, IAuditTrail trail)
    {
        if (await users.FindByIdAsync(userId) is not { } user)
        {
            return TypedResults.NotFound();
        }

        if (IsSelf(context, userId))
        {
            return SelfForbidden();
        }

        await users.SetTwoFactorEnabledAsync(user, false);
        await users.RemoveAuthenticationTokenAsync(user, PlatformUserStore.InternalLoginProvider, PlatformUserStore.AuthenticatorKeyTokenName);
        await users.RemoveAuthenticationTokenAsync(user, PlatformUserStore.InternalLoginProvider, PlatformUserStore.RecoveryCodeTokenName);
        await users.UpdateSecurityStampAsync(user);

        // Tokens obtained with the old authenticator (mfa) go too: the next ones need the new one.
        await revocations.RevokeSubjectAsync(userId, AdministrationExtensions.ActorOf(context), "authenticator reset", context.RequestAborted);
        await trail.AuditAsync(context, SecurityEventKind.UserUpdated, targetUserId: userId, reason: "authenticator reset");
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<ElevationSummary>, NotFound, ValidationProblem, ForbidHttpResult>> ElevateAsync(
        HttpContext context, string userId, ElevationRequest request, UserManager<PlatformUser> users, IdentityDbContext database,
        IOptions<ElevationOptions> options, IAuditTrail trail, TimeProvider time)
    {
        if (await users.FindByIdAsync(userId) is not { } user)
        {
            return TypedResults.NotFound();
        }

        if (IsSelf(context, userId))
        {
            return SelfForbidden();
        }

        var problems = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request.Role is not { } role || !options.Value.ElevatableRoles.Contains(role))
        {
            problems["role"] = [$"Required: one of {string.Join(", ", options.Value.ElevatableRoles)}."];
        }
        else if (user.PatientId is not null || await users.IsInRoleAsync(user, PlatformRoles.Patient))
        {
            problems["role"] = ["A patient account is not elevated to a staff role."];
        }

        if (request.Minutes is not { } minutes || minutes < 1 || minutes > options.Value.MaxDuration.TotalMinutes)
        {
            problems["minutes"] = [$"Required: how long, 1–{options.Value.MaxDuration.TotalMinutes:0} minutes."];
        }

        if (request.Reason is not { Length: >= 10 and <= AuditEventSchema.MaxReasonLength } reason || reason.Any(char.IsControl))
        {
            problems["reason"] = [$"Required: why, in 10–{AuditEventSchema.MaxReasonLength} characters (it is audited)."];
        }

        if (problems.Count > 0)
        {
            return TypedResults.ValidationProblem(problems);
        }

        var now = time.GetUtcNow();
        var elevation = new RoleElevation
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            Role = request.Role!,
            Reason = request.Reason!,
            GrantedBy = AdministrationExtensions.ActorOf(context).UserId!,
            GrantedAt = now,
            ExpiresAt = now.AddMinutes(request.Minutes!.Value),
        };
        database.RoleElevations.Add(elevation);
        await database.SaveChangesAsync(context.RequestAborted);
        await trail.AuditAsync(context, SecurityEventKind.ElevationGranted, targetUserId: userId, role: elevation.Role, validUntil: elevation.ExpiresAt, reason: elevation.Reason);
        var summary = new ElevationSummary(elevation.Id, elevation.Role, elevation.ExpiresAt, elevation.Reason);
        return TypedResults.Created($"/admin/users/{userId}/elevations/{elevation.Id}", summary);
    }

    private static async Task<Results<Accepted, NotFound>> RevokeAsync(
        HttpContext context, string userId, ReasonRequest? body, UserManager<PlatformUser> users, AccessRevocations revocations)
    {
        if (await users.FindByIdAsync(userId) is not { } user)
        {
            return TypedResults.NotFound();
        }

        await users.UpdateSecurityStampAsync(user);
        await revocations.RevokeSubjectAsync(userId, AdministrationExtensions.ActorOf(context), AuditEventSchema.BoundedReason(body?.Reason), context.RequestAborted);
        return TypedResults.Accepted((string?)null);
    }

    /// <summary>Roles must be platform roles; <c>patient</c> stands alone and comes with a Patient id (and only it does).</summary>
    private static Dictionary<string, string[]> RoleProblems(IReadOnlyList<string>? roles, string? patientId)
    {
        var problems = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (roles is null || roles.Count == 0 || roles.Any(role => !PlatformRoles.All.Contains(role)) || roles.Distinct().Count() != roles.Count)
        {
            problems["roles"] = [$"Required: one or more of {string.Join(", ", PlatformRoles.All)}, each once."];
        }
        else if (roles.Contains(PlatformRoles.Patient) && (roles.Count > 1 || patientId is null))
        {
            problems["roles"] = ["The patient role stands alone, and needs patient_id."];
        }

        if (patientId is not null && !AuditEventSchema.IsFhirId(patientId))
        {
            problems["patient_id"] = ["A FHIR id: 1–64 letters, digits, '-' or '.'."];
        }
        else if (patientId is not null && roles is not null && !roles.Contains(PlatformRoles.Patient))
        {
            problems["patient_id"] = ["Only a patient user is linked to a Patient id."];
        }

        return problems;
    }

    private static async Task EnsureRoleAsync(RoleManager<IdentityRole> roles, string role)
    {
        if (!await roles.RoleExistsAsync(role))
        {
            await roles.CreateAsync(new IdentityRole(role));
        }
    }

    private static bool IsSelf(HttpContext context, string userId) =>
        string.Equals(AdministrationExtensions.ActorOf(context).UserId, userId, StringComparison.Ordinal);

    /// <summary>Separation of duties: an administrator's own account is changed by another administrator.</summary>
    private static ForbidHttpResult SelfForbidden() => TypedResults.Forbid();

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex UserNameFormat();

    [GeneratedRegex("^Practitioner/[A-Za-z0-9.-]{1,64}$")]
    private static partial Regex PractitionerFormat();
}

public sealed record UserSummary(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("user_name")] string UserName,
    [property: JsonPropertyName("roles")] IReadOnlyList<string> Roles,
    [property: JsonPropertyName("elevations")] IReadOnlyList<ElevationSummary> Elevations,
    [property: JsonPropertyName("disabled")] bool Disabled,
    [property: JsonPropertyName("mfa_enrolled")] bool MfaEnrolled,
    [property: JsonPropertyName("patient_id")] string? PatientId);

public sealed record ElevationSummary(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>The new user, with the initial password shown this once.</summary>
public sealed record CreatedUser(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("user_name")] string UserName,
    [property: JsonPropertyName("initial_password")] string InitialPassword);
