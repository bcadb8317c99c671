namespace HealthPlatform.Contracts.Audit;

/// <summary>What was done to the data (FHIR AuditEvent action C, R, U, D, E; search is an E with its own code).</summary>
public enum AuditAction
{
    Create = 1,
    Read,
    Update,
    Delete,
    Search,
    Execute,
}

public enum AuditOutcome
{
    Success = 1,

    /// <summary>Refused by a policy (authentication, scope, consent, rate limit).</summary>
    Denied,

    /// <summary>Attempted but failed for a reason other than a policy (e.g. a dependency was down).</summary>
    Failed,
}

/// <summary>Purposes of use, after HL7 v3 PurposeOfUse (TREAT, HPAYMT, HOPERAT, HRESCH, PUBHLTH, PATRQT, BTG).</summary>
public enum PurposeOfUse
{
    Treatment = 1,
    Payment,
    Operations,
    Research,
    PublicHealth,
    PatientRequest,

    /// <summary>Emergency access: break-the-glass (BTG).</summary>
    Emergency,
}

/// <summary>Why someone broke the glass, as a code: a free-text reason would invite clinical details.</summary>
public enum BreakTheGlassReason
{
    MedicalEmergency = 1,
    PatientUnableToConsent,
    ImminentRiskToOthers,
}

public enum AuthorizationDecision
{
    Permit = 1,
    Deny,
}

/// <summary>The step of the access decision that decided (records' enforcement order, ARCHITECTURE.md).</summary>
public enum DecisionStep
{
    Authentication = 1,
    RateLimit,
    ServicePolicy,
    Scope,
    PatientContext,
    Role,
    Consent,
    BreakTheGlass,
}

/// <summary>Why the deciding step decided as it did.</summary>
public enum DecisionReason
{
    Permitted = 1,
    MissingCredentials,
    InvalidToken,
    RevokedToken,
    CertificateNotAccepted,
    ServiceNotAllowed,
    RateLimitExceeded,
    InsufficientScope,
    OtherPatient,
    RoleNotAllowed,
    ConsentDenied,
    DefaultPolicyDenied,
    ConsentPermitted,
    DefaultPolicyPermitted,
    EmergencyOverride,
}
