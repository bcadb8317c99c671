using System.Text.Json;
using HealthPlatform.Consent.Domain;
using HealthPlatform.Consent.Infrastructure;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.KeyManagement.Client;
using HealthPlatform.ServiceDefaults.Audit;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using Hl7.Fhir.Serialization;
using Microsoft.EntityFrameworkCore;
using FhirConsent = Hl7.Fhir.Model.Consent;

namespace HealthPlatform.Consent.Store;

/// <summary>A consent version as read back: the resource (with its id and meta) and its stored facts.</summary>
public sealed record ConsentEntry(FhirConsent Resource, StoredConsentVersion Stored);

/// <summary>
/// Keeps consents: each write is a new version, sealed under the patient's key, stored in one
/// transaction with its <see cref="ConsentChanged"/> audit event; afterwards the change is fanned
/// out to every instance of every caller (<see cref="ConsentChangePublisher"/>).
/// </summary>
public sealed partial class ConsentStore(ConsentDbContext database, DataCipher cipher, IAuditTrail trail, ConsentChangePublisher publisher, TimeProvider time, ILogger<ConsentStore> logger)
{
    public const string KeyName = "consent-phi";

    private static readonly JsonSerializerOptions Fhir = new JsonSerializerOptions().ForFhir();

    public async Task<ConsentEntry> CreateAsync(FhirConsent resource, string patientId, ConsentAuthor author, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var id = Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
        var stored = new StoredConsent { Id = id, PatientId = patientId, Version = 0, Status = StatusOf(resource) };
        database.Consents.Add(stored);
        return await WriteVersionAsync(stored, resource, ConsentChange.Created, author, cancellationToken);
    }

    /// <summary>A new version of <paramref name="stored"/>; null when someone else wrote a version first (the caller's <paramref name="stored"/> is stale).</summary>
    public async Task<ConsentEntry?> UpdateAsync(StoredConsent stored, FhirConsent resource, ConsentAuthor author, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(resource);
        var status = StatusOf(resource);
        var change = status == StatusOf(FhirConsent.ConsentState.Inactive) && stored.Status != status ? ConsentChange.Revoked : ConsentChange.Updated;
        stored.Status = status;
        try
        {
            return await WriteVersionAsync(stored, resource, change, author, cancellationToken);
        }
        catch (DbUpdateException ex) when (ex is DbUpdateConcurrencyException || ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            // Another writer made this version first (the version row's key, or the consent's concurrency token, says so).
            database.ChangeTracker.Clear();
            return null;
        }
    }

    public Task<StoredConsent?> FindAsync(string id, CancellationToken cancellationToken) =>
        database.Consents.SingleOrDefaultAsync(consent => consent.Id == id, cancellationToken);

    /// <summary>One version (the current one when <paramref name="version"/> is null).</summary>
    public async Task<ConsentEntry?> ReadAsync(StoredConsent consent, int? version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(consent);
        var wanted = version ?? consent.Version;
        var stored = await database.Versions.AsNoTracking()
            .SingleOrDefaultAsync(row => row.ConsentId == consent.Id && row.Version == wanted, cancellationToken);
        return stored is null ? null : await OpenAsync(stored, cancellationToken);
    }

    /// <summary>Every version, newest first.</summary>
    public async Task<IReadOnlyList<ConsentEntry>> HistoryAsync(StoredConsent consent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(consent);
        var versions = await database.Versions.AsNoTracking()
            .Where(row => row.ConsentId == consent.Id)
            .OrderByDescending(row => row.Version)
            .ToListAsync(cancellationToken);
        return await OpenAllAsync(versions, cancellationToken);
    }

    /// <summary>The current version of each of the patient's consents (with <paramref name="status"/>, when given), newest first.</summary>
    public async Task<IReadOnlyList<ConsentEntry>> SearchAsync(string patientId, string? status, CancellationToken cancellationToken)
    {
        var current = await database.Consents.AsNoTracking()
            .Where(consent => consent.PatientId == patientId && (status == null || consent.Status == status))
            .Join(database.Versions, consent => new { consent.Id, consent.Version }, row => new { Id = row.ConsentId, row.Version }, (_, row) => row)
            .OrderByDescending(row => row.RecordedAt)
            .ToListAsync(cancellationToken);
        return await OpenAllAsync(current, cancellationToken);
    }

    /// <summary>The rules of the patient's active consents, for decisions.</summary>
    public async Task<IReadOnlyList<ConsentRules>> ActiveRulesAsync(string patientId, CancellationToken cancellationToken)
    {
        var active = await SearchAsync(patientId, StatusOf(FhirConsent.ConsentState.Active), cancellationToken);
        var rules = new List<ConsentRules>(active.Count);
        foreach (var entry in active)
        {
            // A stored consent passed these rules when written; one that no longer reads (the rules tightened since) fails closed.
            if (ConsentReader.Read(entry.Resource, entry.Stored.ConsentId, entry.Stored.Version, out var read).Count == 0)
            {
                rules.Add(read!);
            }
            else
            {
                LogUnreadable(logger, entry.Stored.ConsentId, entry.Stored.Version);
                rules.Add(ConsentRules.Unreadable(entry.Stored.ConsentId, entry.Stored.Version, entry.Stored.PatientId));
            }
        }

        return rules;
    }

    public static string StatusOf(FhirConsent resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return StatusOf(resource.Status ?? FhirConsent.ConsentState.Draft);
    }

    private static string StatusOf(FhirConsent.ConsentState state) => state.GetLiteral()!;

    private async Task<ConsentEntry> WriteVersionAsync(StoredConsent stored, FhirConsent resource, ConsentChange change, ConsentAuthor author, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        stored.Version++;
        stored.LastUpdated = now;
        resource.Id = stored.Id;
        resource.Meta = new Meta { VersionId = stored.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), LastUpdated = now };
        var content = JsonSerializer.SerializeToUtf8Bytes(resource, Fhir);
        var changed = new ConsentChanged
        {
            Header = trail.NewHeader(),
            Actor = author.Actor,
            Change = change,
            ConsentId = stored.Id,
            Version = stored.Version,
            PatientId = stored.PatientId,
            RecordedOnBehalfOfPatient = author.OnBehalfOfPatient,
        };
        var version = new StoredConsentVersion
        {
            ConsentId = stored.Id,
            Version = stored.Version,
            PatientId = stored.PatientId,
            Status = stored.Status,
            Content = await cipher.EncryptAsync(KeyName, ContextOf(stored.Id, stored.Version, stored.PatientId), content, cancellationToken),
            RecordedAt = now,
            RecordedBy = author.Name,
            OnBehalfOfPatient = author.OnBehalfOfPatient,
            Change = change,
            EventId = changed.Header.EventId,
        };
        database.Versions.Add(version);
        trail.Enqueue(database, changed);
        await database.SaveChangesAsync(cancellationToken);
        await publisher.PublishAsync((version.ConsentId, version.Version), changed, cancellationToken);
        return new ConsentEntry(resource, version);
    }

    private async Task<IReadOnlyList<ConsentEntry>> OpenAllAsync(List<StoredConsentVersion> versions, CancellationToken cancellationToken)
    {
        var entries = new List<ConsentEntry>(versions.Count);
        foreach (var version in versions)
        {
            entries.Add(await OpenAsync(version, cancellationToken));
        }

        return entries;
    }

    private async Task<ConsentEntry> OpenAsync(StoredConsentVersion stored, CancellationToken cancellationToken)
    {
        var content = await cipher.DecryptAsync(KeyName, ContextOf(stored.ConsentId, stored.Version, stored.PatientId), stored.Content, cancellationToken);
        var resource = JsonSerializer.Deserialize<FhirConsent>(content, Fhir)
            ?? throw new InvalidOperationException($"Consent {stored.ConsentId} version {stored.Version} holds no resource.");
        return new ConsentEntry(resource, stored);
    }

    /// <summary>Binds each sealed version to its consent, version and patient: a row moved to another consent or swapped for another version does not decrypt.</summary>
    private static EncryptionContext ContextOf(string consentId, int version, string patientId) =>
        new("Consent", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{consentId}/_history/{version}"), patientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Active consent {ConsentId} version {Version} no longer passes the platform's rules; it counts as a deny of everything until it is written again.")]
    private static partial void LogUnreadable(ILogger logger, string consentId, int version);
}
