using HealthPlatform.Audit.Ledger;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Security;
using Hl7.Fhir.Model;
using FhirAuditEvent = Hl7.Fhir.Model.AuditEvent;

namespace HealthPlatform.Audit.Fhir;

/// <summary>
/// A stored entry as a FHIR R4 <c>AuditEvent</c> in the shapes of IHE Basic Audit Log Patterns
/// (BALP): a RESTful access has type <c>rest</c>, the interaction as subtype and the BALP profile
/// for it; the user, the client application and a calling service are agents (the user the
/// requestor, with their network address); the patient and the resources are entities; the
/// purpose of use is a v3 ActReason; the W3C trace id is an <c>XrequestId</c> entity. Platform
/// events that are not RESTful (security, keys, alerts) keep the same agents and entities with
/// the platform's own type codes.
/// </summary>
public static class AuditEventResources
{
    public const string UserSystem = "urn:healthplatform:user";
    public const string ClientSystem = "urn:healthplatform:client";
    public const string EventTypeSystem = "urn:healthplatform:audit-event-type";
    private const string Balp = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/";
    private const string AuditEventTypeSystem = "http://terminology.hl7.org/CodeSystem/audit-event-type";
    private const string RestfulInteraction = "http://hl7.org/fhir/restful-interaction";
    private const string Dicom = "http://dicom.nema.org/resources/ontology/DCM";
    private const string ActReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
    private const string EntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
    private const string ObjectRole = "http://terminology.hl7.org/CodeSystem/object-role";
    private const string BalpEntityType = "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType";
    private const string SecuritySourceType = "http://terminology.hl7.org/CodeSystem/security-source-type";
    private const string ExtraSecurityRole = "http://terminology.hl7.org/CodeSystem/extra-security-role-type";

    /// <summary>The resource for <paramref name="entry"/>; null when its payload no longer reads (the chain verification says more).</summary>
    public static FhirAuditEvent? From(LedgerEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var stored = LedgerEntries.EventOf(entry);
        if (stored is null)
        {
            return null;
        }

        var resource = new FhirAuditEvent
        {
            Id = entry.EventId.ToString(),
            Recorded = entry.OccurredAt,
            Action = entry.Action switch
            {
                "C" => FhirAuditEvent.AuditEventAction.C,
                "R" => FhirAuditEvent.AuditEventAction.R,
                "U" => FhirAuditEvent.AuditEventAction.U,
                "D" => FhirAuditEvent.AuditEventAction.D,
                _ => FhirAuditEvent.AuditEventAction.E,
            },
            Outcome = entry.Outcome switch
            {
                LedgerEntries.Success => FhirAuditEvent.AuditEventOutcome.N0,
                LedgerEntries.MinorFailure => FhirAuditEvent.AuditEventOutcome.N4,
                _ => FhirAuditEvent.AuditEventOutcome.N8,
            },
            Source = new FhirAuditEvent.SourceComponent
            {
                Observer = new ResourceReference { Identifier = new Identifier("urn:ietf:rfc:3986", ServiceIdentity.UriOf(entry.Source)), Display = entry.Source },
                Type = [new Coding(SecuritySourceType, "4", "Application Server")],
            },
        };

        switch (stored)
        {
            case PatientDataAccessed access:
                Rest(resource, access.Action, access.ResourceType);
                resource.PurposeOfEvent = [Purpose(access.PurposeOfUse, access.BreakTheGlass)];
                Agents(resource, access.Actor);
                PatientEntity(resource, access.PatientId);
                foreach (var id in access.ResourceIds)
                {
                    resource.Entity.Add(new FhirAuditEvent.EntityComponent
                    {
                        What = new ResourceReference($"{access.ResourceType}/{id}"),
                        Type = new Coding(EntityType, "2", "System Object"),
                        Role = new Coding(ObjectRole, "4", "Domain Resource"),
                    });
                }

                break;
            case ConsentChanged consent:
                Rest(resource, consent.Change == ConsentChange.Created ? AuditAction.Create : AuditAction.Update, "Consent");
                Agents(resource, consent.Actor);
                PatientEntity(resource, consent.PatientId);
                resource.Entity.Add(new FhirAuditEvent.EntityComponent
                {
                    What = new ResourceReference($"Consent/{consent.ConsentId}/_history/{consent.Version}"),
                    Type = new Coding(EntityType, "2", "System Object"),
                    Role = new Coding(ObjectRole, "4", "Domain Resource"),
                });
                break;
            case AuthorizationDecided decision:
                Platform(resource, entry.EventType, $"{decision.DecidingStep}:{decision.Reason}");
                Agents(resource, decision.Actor);
                if (decision.PurposeOfUse is { } purpose)
                {
                    resource.PurposeOfEvent = [Purpose(purpose, decision.BreakTheGlass)];
                }

                if (decision.PatientId is not null)
                {
                    PatientEntity(resource, decision.PatientId);
                }

                break;
            case SecurityEventRecorded security:
                Platform(resource, entry.EventType, security.Kind.ToString());
                Agents(resource, security.Actor);
                break;
            case KeyOperationPerformed key:
                Platform(resource, entry.EventType, key.Operation.ToString());
                Agents(resource, key.Actor);
                resource.Entity.Add(new FhirAuditEvent.EntityComponent
                {
                    What = new ResourceReference { Identifier = new Identifier("urn:healthplatform:key", key.KeyVersion is { } version ? $"{key.KeyName}/{version}" : key.KeyName) },
                    Type = new Coding(EntityType, "2", "System Object"),
                    Role = new Coding(ObjectRole, "13", "Security Resource"),
                });
                if (key.SubjectId is not null)
                {
                    PatientEntity(resource, key.SubjectId);
                }

                break;
            case SecurityAlertRaised alert:
                Platform(resource, entry.EventType, alert.Rule.ToString());
                resource.Type = new Coding(Dicom, "110113", "Security Alert");
                Agents(resource, alert.Actor);
                break;
        }

        if (stored.Header.TraceId is { } traceId)
        {
            resource.Entity.Add(new FhirAuditEvent.EntityComponent
            {
                What = new ResourceReference { Identifier = new Identifier { Value = traceId } },
                Type = new Coding(BalpEntityType, "XrequestId"),
            });
        }

        return resource;
    }

    private static void Rest(FhirAuditEvent resource, AuditAction action, string resourceType)
    {
        var (interaction, profile) = action switch
        {
            AuditAction.Create => ("create", "IHE.BasicAudit.Create"),
            AuditAction.Read => ("read", "IHE.BasicAudit.Read"),
            AuditAction.Update => ("update", "IHE.BasicAudit.Update"),
            AuditAction.Delete => ("delete", "IHE.BasicAudit.Delete"),
            AuditAction.Search => ("search-type", "IHE.BasicAudit.PatientQuery"),
            _ => ("operation", "IHE.BasicAudit.PatientRead"),
        };
        resource.Meta = new Meta { Profile = [Balp + profile] };
        resource.Type = new Coding(AuditEventTypeSystem, "rest", "Restful Operation");
        resource.Subtype = [new Coding(RestfulInteraction, interaction)];
        resource.Entity.Add(new FhirAuditEvent.EntityComponent { Detail = [new FhirAuditEvent.DetailComponent { Type = "resourceType", Value = new FhirString(resourceType) }] });
    }

    private static void Platform(FhirAuditEvent resource, string eventType, string subtype)
    {
        resource.Type = new Coding(EventTypeSystem, eventType);
        resource.Subtype = [new Coding(EventTypeSystem + ":" + eventType, subtype)];
    }

    private static CodeableConcept Purpose(PurposeOfUse purpose, bool breakTheGlass)
    {
        var concept = purpose switch
        {
            PurposeOfUse.Treatment => new CodeableConcept(ActReason, "TREAT", "treatment"),
            PurposeOfUse.Payment => new CodeableConcept(ActReason, "HPAYMT", "healthcare payment"),
            PurposeOfUse.Operations => new CodeableConcept(ActReason, "HOPERAT", "healthcare operations"),
            PurposeOfUse.Research => new CodeableConcept(ActReason, "HRESCH", "healthcare research"),
            PurposeOfUse.PublicHealth => new CodeableConcept(ActReason, "PUBHLTH", "public health"),
            PurposeOfUse.PatientRequest => new CodeableConcept(ActReason, "PATRQT", "patient requested"),
            _ => new CodeableConcept(ActReason, "ETREAT", "emergency treatment"),
        };
        if (breakTheGlass)
        {
            concept.Coding.Add(new Coding(ActReason, "BTG", "break the glass"));
        }

        return concept;
    }

    private static void Agents(FhirAuditEvent resource, AuditActor actor)
    {
        var network = actor.NetworkAddress is null
            ? null
            : new FhirAuditEvent.NetworkComponent { Address = actor.NetworkAddress, Type = FhirAuditEvent.AuditEventAgentNetworkType.N2 };
        if (actor.UserId is not null)
        {
            var user = new FhirAuditEvent.AgentComponent
            {
                Type = new CodeableConcept(ExtraSecurityRole, "humanuser", "human user"),
                Who = new ResourceReference { Identifier = new Identifier(UserSystem, actor.UserId) },
                Requestor = true,
                Network = network,
            };
            user.Role.AddRange(actor.Roles.Select(role => new CodeableConcept { Text = role }));
            resource.Agent.Add(user);
            network = null;
        }

        if (actor.ClientId is not null)
        {
            resource.Agent.Add(new FhirAuditEvent.AgentComponent
            {
                Type = new CodeableConcept(Dicom, "110150", "Application"),
                Who = new ResourceReference { Identifier = new Identifier(ClientSystem, actor.ClientId) },
                Requestor = actor.UserId is null,
                Network = network,
            });
            network = null;
        }

        if (actor.ServiceIdentity is not null)
        {
            resource.Agent.Add(new FhirAuditEvent.AgentComponent
            {
                Type = new CodeableConcept(Dicom, "110150", "Application"),
                Who = new ResourceReference { Identifier = new Identifier("urn:ietf:rfc:3986", actor.ServiceIdentity) },
                Requestor = actor.UserId is null && actor.ClientId is null,
                Network = network,
            });
            network = null;
        }

        if (resource.Agent.Count == 0)
        {
            // Nobody could be identified (an unauthenticated caller): the address is all there is.
            resource.Agent.Add(new FhirAuditEvent.AgentComponent { Requestor = true, Network = network, Who = new ResourceReference { Display = "unidentified" } });
        }
    }

    private static void PatientEntity(FhirAuditEvent resource, string patientId) =>
        resource.Entity.Add(new FhirAuditEvent.EntityComponent
        {
            What = new ResourceReference($"Patient/{patientId}"),
            Type = new Coding(EntityType, "1", "Person"),
            Role = new Coding(ObjectRole, "1", "Patient"),
        });
}
