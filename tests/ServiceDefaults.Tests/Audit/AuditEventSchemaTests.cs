using HealthPlatform.Contracts.Audit;

namespace HealthPlatform.ServiceDefaults.Tests.Audit;

public sealed class AuditEventSchemaTests
{
    private static readonly PatientDataAccessed Valid = new()
    {
        Header = new AuditHeader { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, Source = "records", TraceId = "0af7651916cd43dd8448eb211c80319c" },
        Actor = new AuditActor { UserId = "practitioner-7", Roles = ["physician"], ClientId = "ehr-app", ServiceIdentity = "spiffe://healthplatform/records", NetworkAddress = "10.0.0.4" },
        Action = AuditAction.Read,
        ResourceType = "Observation",
        ResourceIds = ["obs-1", "obs-2"],
        PatientId = "patient-42",
        Outcome = AuditOutcome.Success,
        PurposeOfUse = PurposeOfUse.Treatment,
    };

    [Fact]
    public void Validate_AWellFormedEvent_FindsNothing() => Assert.Empty(AuditEventSchema.Validate(Valid));

    [Fact]
    public void Validate_WithoutEventId_SaysSo() =>
        AssertProblem(Valid with { Header = Valid.Header with { EventId = Guid.Empty } }, "Header.EventId is missing.");

    [Fact]
    public void Validate_AnUnknownSchemaVersion_SaysSo() =>
        AssertProblem(Valid with { SchemaVersion = 99 }, "SchemaVersion 99 is not a known version of PatientDataAccessed.");

    [Fact]
    public void Validate_ProseWhereAnIdBelongs_IsRefusedWithoutRepeatingIt()
    {
        var problems = AuditEventSchema.Validate(Valid with { PatientId = "Jane Doe, HIV positive" });

        var problem = Assert.Single(problems);
        Assert.StartsWith("PatientId must be a FHIR id", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("Jane", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AnIdWithATrailingNewline_IsRefused() =>
        AssertProblem(Valid with { PatientId = "patient-42\n" }, "PatientId must be a FHIR id (letters, digits, '-', '.'; at most 64).");

    [Fact]
    public void Validate_BreakTheGlassWithoutAReason_SaysSo() =>
        AssertProblem(Valid with { BreakTheGlass = true }, "BreakTheGlassReason is required exactly when BreakTheGlass is set.");

    [Fact]
    public void Validate_BreakTheGlassWithAReason_FindsNothing() =>
        Assert.Empty(AuditEventSchema.Validate(Valid with { BreakTheGlass = true, BreakTheGlassReason = BreakTheGlassReason.MedicalEmergency, PurposeOfUse = PurposeOfUse.Emergency }));

    [Fact]
    public void Validate_AnUndefinedEnumValue_SaysSo() =>
        AssertProblem(Valid with { Action = (AuditAction)42 }, "Action is not a defined value.");

    [Fact]
    public void Validate_ANetworkAddressThatIsNoAddress_SaysSo() =>
        AssertProblem(Valid with { Actor = Valid.Actor with { NetworkAddress = "somewhere" } }, "Actor.NetworkAddress must be an IP address.");

    [Fact]
    public void Validate_ARouteWithItsQuery_IsRefused()
    {
        var denial = new SecurityEventRecorded
        {
            Header = Valid.Header,
            Kind = SecurityEventKind.RequestUnauthenticated,
            Actor = AuditActor.Anonymous("127.0.0.1"),
            Outcome = AuditOutcome.Denied,
            Request = new AuditRequest { Method = "GET", RouteTemplate = "/fhir/Patient?name=Doe", StatusCode = 401, Listener = "public" },
        };

        AssertProblem(denial, "Request.RouteTemplate must be a route template without a query.");
    }

    [Fact]
    public void EventTypes_EveryContractIsRegisteredUnderItsName()
    {
        var contracts = typeof(AuditEvent).Assembly.GetTypes().Where(type => type.IsSubclassOf(typeof(AuditEvent)) && !type.IsAbstract);

        Assert.All(contracts, contract =>
        {
            Assert.True(AuditEventTypes.TryResolve(contract.Name, out var resolved));
            Assert.Equal(contract, resolved);
        });
    }

    private static void AssertProblem(AuditEvent auditEvent, string expected) =>
        Assert.Equal(expected, Assert.Single(AuditEventSchema.Validate(auditEvent)));
}
