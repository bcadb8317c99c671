using HealthPlatform.Consent.Domain;
using HealthPlatform.Contracts.Audit;
using Microsoft.Extensions.Options;

namespace HealthPlatform.Consent.Tests;

/// <summary>The decision rules themselves, without a service: nesting, contradictions, labels, periods.</summary>
public sealed class DecisionEngineTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly ConsentDecisionEngine Engine = new(Options.Create(new ConsentPolicyOptions()));

    [Fact]
    public void A_nested_provision_is_an_exception_to_its_parent_and_its_own_exceptions_to_it()
    {
        // Deny everyone; except permit nurses; except deny nurses mental-health data.
        var consent = Rules(Rule(ProvisionType.Deny, "Consent.provision", nested:
            [Rule(ProvisionType.Permit, "Consent.provision.provision[0]", role: "nurse", nested:
                [Rule(ProvisionType.Deny, "Consent.provision.provision[0].provision[0]", labels: ["PSY"])])]));

        Assert.Equal(DecisionReason.ConsentDenied, Decide(consent, roles: ["physician"]).Reason);
        Assert.True(Decide(consent, roles: ["nurse"]).Permitted);
        var psy = Decide(consent, roles: ["nurse"], labels: ["PSY"]);
        Assert.False(psy.Permitted);
        Assert.Equal("Consent.provision.provision[0].provision[0]", Assert.Single(psy.Basis).Provision);
    }

    [Fact]
    public void Among_sibling_provisions_that_disagree_the_deny_wins_and_both_denies_are_named()
    {
        var consent = Rules(Rule(ProvisionType.Permit, "Consent.provision", nested:
        [
            Rule(ProvisionType.Permit, "Consent.provision.provision[0]", role: "nurse"),
            Rule(ProvisionType.Deny, "Consent.provision.provision[1]", purposes: [PurposeOfUse.Treatment]),
            Rule(ProvisionType.Deny, "Consent.provision.provision[2]", role: "nurse"),
        ]));

        var decision = Decide(consent, roles: ["nurse"]);

        Assert.False(decision.Permitted);
        Assert.Equal(["Consent.provision.provision[1]", "Consent.provision.provision[2]"], decision.Basis.Select(basis => basis.Provision));
    }

    [Fact]
    public void A_permit_reaches_sensitive_data_only_when_it_names_every_label_and_a_deny_reaches_what_it_names()
    {
        var grantsHiv = Rules(Rule(ProvisionType.Permit, "Consent.provision", labels: ["HIV"]));
        var deniesHiv = Rules(Rule(ProvisionType.Permit, "Consent.provision", nested: [Rule(ProvisionType.Deny, "Consent.provision.provision[0]", labels: ["HIV"])]));

        Assert.Equal(DecisionReason.ConsentPermitted, Decide(grantsHiv, labels: ["HIV"]).Reason);
        Assert.Equal(DecisionReason.DefaultPolicyDenied, Decide(grantsHiv, labels: ["HIV", "SUD"]).Reason);
        Assert.Equal(DecisionReason.DefaultPolicyPermitted, Decide(grantsHiv).Reason);
        Assert.Equal(DecisionReason.ConsentDenied, Decide(deniesHiv, labels: ["HIV"]).Reason);
        Assert.Equal(DecisionReason.ConsentPermitted, Decide(deniesHiv).Reason);
        Assert.Equal(DecisionReason.DefaultPolicyDenied, Decide(deniesHiv, labels: ["PSY"]).Reason);
    }

    [Fact]
    public void A_decision_is_valid_until_the_next_period_boundary_and_changes_there()
    {
        var consent = Rules(Rule(ProvisionType.Permit, "Consent.provision", nested:
            [Rule(ProvisionType.Deny, "Consent.provision.provision[0]", start: Now.AddHours(2), end: Now.AddHours(5))]));

        var now = Decide(consent);
        var later = Engine.Decide(Question(), [consent], Now.AddHours(3));

        Assert.True(now.Permitted);
        Assert.Equal(Now.AddHours(2), now.ValidUntil);
        Assert.False(later.Permitted);
        Assert.Equal(Now.AddHours(5), later.ValidUntil);
    }

    [Fact]
    public void The_default_policy_is_configurable_and_break_the_glass_follows_the_configured_roles()
    {
        var strict = new ConsentDecisionEngine(Options.Create(new ConsentPolicyOptions { DefaultPermittedPurposes = [PurposeOfUse.PatientRequest], BreakTheGlassRoles = ["physician"] }));

        Assert.Equal(DecisionReason.DefaultPolicyDenied, strict.Decide(Question(), [], Now).Reason);
        Assert.Equal(BreakTheGlassOutcome.RefusedRole, strict.Decide(Question(roles: ["nurse"]) with { Purpose = PurposeOfUse.Emergency, BreakTheGlass = true }, [], Now).BreakTheGlass);
        Assert.Equal(BreakTheGlassOutcome.Applied, strict.Decide(Question(roles: ["physician"]) with { Purpose = PurposeOfUse.Emergency, BreakTheGlass = true }, [], Now).BreakTheGlass);
    }

    [Fact]
    public void An_active_consent_that_no_longer_reads_denies_everything_instead_of_being_ignored()
    {
        var unreadable = ConsentRules.Unreadable("c9", 3, "p1");
        var permitting = Rules(Rule(ProvisionType.Permit, "Consent.provision"));

        var decision = Engine.Decide(Question(), [permitting, unreadable], Now);

        Assert.Equal(DecisionReason.ConsentDenied, decision.Reason);
        Assert.Equal(("c9", 3, "Consent"), (decision.Basis[0].ConsentId, decision.Basis[0].Version, decision.Basis[0].Provision));
    }

    private static Decision Decide(ConsentRules consent, string[]? roles = null, string[]? labels = null) => Engine.Decide(Question(roles, labels), [consent], Now);

    private static DecisionQuestion Question(string[]? roles = null, string[]? labels = null) => new()
    {
        PatientId = "p1",
        Actor = new DecisionActor { UserId = "u1", Practitioner = "u1", Roles = roles ?? ["physician"], ClientId = "ehr-app" },
        Purpose = PurposeOfUse.Treatment,
        ResourceType = "Observation",
        SensitiveLabels = (labels ?? []).ToHashSet(),
    };

    private static ConsentRules Rules(Provision root) => new("c1", 1, "p1", root);

    private static Provision Rule(ProvisionType type, string path, string? role = null, PurposeOfUse[]? purposes = null, string[]? labels = null, DateTimeOffset? start = null, DateTimeOffset? end = null, Provision[]? nested = null) => new()
    {
        Path = path,
        Type = type,
        Start = start,
        End = end,
        Actors = role is null ? [] : [new ProvisionActor(ActorKind.Role, role)],
        Purposes = (purposes ?? []).ToHashSet(),
        Labels = (labels ?? []).ToHashSet(),
        Provisions = nested ?? [],
    };
}
