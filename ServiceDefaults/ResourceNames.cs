namespace HealthPlatform.ServiceDefaults;

/// <summary>
/// The names of every resource in the platform, shared by the AppHost, the services and the tests.
/// Aspire passes connection strings as <c>ConnectionStrings:{name}</c>, so these are also the
/// configuration keys each service reads.
/// </summary>
public static class ResourceNames
{
    public const string Postgres = "postgres";
    public const string Redis = "redis";
    public const string Messaging = "messaging";

    public const string Identity = "identity";
    public const string Consent = "consent";
    public const string Records = "records";
    public const string KeyManagement = "key-management";
    public const string Audit = "audit";

    public const string IdentityDatabase = "identitydb";
    public const string ConsentDatabase = "consentdb";
    public const string RecordsDatabase = "recordsdb";
    public const string KeyManagementDatabase = "keymanagementdb";
    public const string AuditDatabase = "auditdb";

    /// <summary>Endpoint names every service uses; the AppHost and Kestrel agree on them.</summary>
    public static class Endpoints
    {
        public const string Public = "public";
        public const string Internal = "internal";
        public const string Management = "management";

        /// <summary>Identity's mutual-TLS listener for client apps (mTLS endpoint aliases, RFC 8705).</summary>
        public const string Mtls = "mtls";
    }
}
