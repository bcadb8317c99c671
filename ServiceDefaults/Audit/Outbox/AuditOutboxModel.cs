using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.ServiceDefaults.Audit.Outbox;

public static class AuditOutboxModel
{
    public const string TableName = "audit_outbox";

    /// <summary>Adds the audit outbox table to a service's model; call from <c>OnModelCreating</c>.</summary>
    public static ModelBuilder AddAuditOutbox(this ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        AuditOutboxMessage.Configure(modelBuilder);
        return modelBuilder;
    }
}
