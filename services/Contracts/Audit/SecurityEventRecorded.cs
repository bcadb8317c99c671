namespace HealthPlatform.Contracts.Audit;

public enum SecurityEventKind
{
    AuthenticationSucceeded = 1,
    AuthenticationFailed,
    AccountLockedOut,
    MfaChallenged,
    MfaFailed,
    TokenIssued,
    TokenRefused,
    TokenRevoked,
    ClientRegistered,
    ClientDisabled,
    ElevationGranted,
    ElevationExpired,

    /// <summary>A request answered 401.</summary>
    RequestUnauthenticated,

    /// <summary>A request answered 403.</summary>
    RequestForbidden,

    /// <summary>A request answered 429.</summary>
    RequestRateLimited,

    /// <summary>A user confirmed a new authenticator (and received recovery codes).</summary>
    MfaEnrolled,

    /// <summary>A user signed in with a recovery code instead of an authenticator code.</summary>
    RecoveryCodeUsed,

    SignedOut,

    /// <summary>A user approved (or, with outcome Denied, refused) a third-party app's requested scopes.</summary>
    AppAuthorized,

    UserCreated,
    UserUpdated,
    UserDisabled,
    UserEnabled,
    ClientUpdated,

    /// <summary>A Business Associate Agreement was recorded for a client.</summary>
    AgreementRecorded,

    RoleGranted,
    RoleRemoved,

    /// <summary>Every token of a user or a client revoked at once (containment).</summary>
    AccessRevoked,

    /// <summary>Someone searched or read the audit log (an accounting of disclosures included).</summary>
    AuditLogQueried,

    /// <summary>A security officer had the audit log's hash chain and checkpoints verified.</summary>
    AuditLogVerified,

    /// <summary>A security officer acknowledged an alert.</summary>
    AlertAcknowledged,
}

/// <summary>The request a security event is about: its route template, never the raw URL and its query.</summary>
public sealed record AuditRequest
{
    public required string Method { get; init; }

    /// <summary>The matched route template (<c>/fhir/Patient/{id}</c>), or null when no route matched.</summary>
    public string? RouteTemplate { get; init; }

    public required int StatusCode { get; init; }

    /// <summary>Which listener served it: <c>public</c>, <c>internal</c> or <c>mtls</c>.</summary>
    public required string Listener { get; init; }
}

/// <summary>
/// Authentication, tokens, clients, elevation and refused requests: what a security officer
/// reviews besides access to patient data.
/// </summary>
public sealed record SecurityEventRecorded : AuditEvent
{
    public const int CurrentSchemaVersion = 1;

    public override int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required SecurityEventKind Kind { get; init; }

    public required AuditActor Actor { get; init; }

    public required AuditOutcome Outcome { get; init; }

    /// <summary>For refused requests: what was asked for.</summary>
    public AuditRequest? Request { get; init; }

    /// <summary>The user the event is about, when not the actor (an admin locking an account out).</summary>
    public string? TargetUserId { get; init; }

    /// <summary>The client the event is about (registered, disabled, a token issued to).</summary>
    public string? TargetClientId { get; init; }

    /// <summary>The token's id (<c>jti</c>) for token events; never the token.</summary>
    public string? TokenId { get; init; }

    /// <summary>The role granted or expired, for elevation events.</summary>
    public string? Role { get; init; }

    /// <summary>Until when an elevation or token is valid.</summary>
    public DateTimeOffset? ValidUntil { get; init; }

    /// <summary>
    /// Why, in the actor's words where the action asks for one (an elevation's stated reason, a
    /// revocation's cause); never patient data.
    /// </summary>
    public string? Reason { get; init; }
}

/// <summary>Reasons with a meaning the audit service's detection rules rely on.</summary>
public static class SecurityEventReasons
{
    /// <summary>On a <see cref="SecurityEventKind.TokenRefused"/> event: the token was valid but revoked (whose it was is the actor).</summary>
    public const string RevokedToken = "revoked";
}
