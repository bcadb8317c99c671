using HealthPlatform.ServiceDefaults.Authorization.Smart;

namespace HealthPlatform.ServiceDefaults.Tests.Authorization;

public sealed class SmartScopeParserTests
{
    [Theory]
    [InlineData("patient/Observation.read", SmartContext.Patient, "Observation", SmartPermissions.Read | SmartPermissions.Search, SmartScopeSyntax.Version1)]
    [InlineData("patient/Observation.write", SmartContext.Patient, "Observation", SmartPermissions.Create | SmartPermissions.Update | SmartPermissions.Delete, SmartScopeSyntax.Version1)]
    [InlineData("user/*.*", SmartContext.User, "*", SmartPermissions.All, SmartScopeSyntax.Version1)]
    [InlineData("system/Patient.read", SmartContext.System, "Patient", SmartPermissions.Read | SmartPermissions.Search, SmartScopeSyntax.Version1)]
    [InlineData("patient/Observation.rs", SmartContext.Patient, "Observation", SmartPermissions.Read | SmartPermissions.Search, SmartScopeSyntax.Version2)]
    [InlineData("user/*.cruds", SmartContext.User, "*", SmartPermissions.All, SmartScopeSyntax.Version2)]
    [InlineData("system/*.rs", SmartContext.System, "*", SmartPermissions.Read | SmartPermissions.Search, SmartScopeSyntax.Version2)]
    [InlineData("patient/Consent.cud", SmartContext.Patient, "Consent", SmartPermissions.Create | SmartPermissions.Update | SmartPermissions.Delete, SmartScopeSyntax.Version2)]
    [InlineData("user/AuditEvent.s", SmartContext.User, "AuditEvent", SmartPermissions.Search, SmartScopeSyntax.Version2)]
    public void Parse_ResourceScopes_ReadsContextTypeAndPermissions(string value, SmartContext context, string type, SmartPermissions permissions, SmartScopeSyntax syntax)
    {
        Assert.True(SmartScopeParser.TryParse(value, out var scope, out var error), error);

        var resource = Assert.IsType<SmartResourceScope>(scope);
        Assert.Equal(context, resource.Context);
        Assert.Equal(type, resource.ResourceType);
        Assert.Equal(permissions, resource.Permissions);
        Assert.Equal(syntax, resource.Syntax);
        Assert.Empty(resource.Parameters);
        Assert.Equal(value, resource.ToString());
    }

    [Fact]
    public void Parse_AGranularScope_KeepsItsSearchParameters()
    {
        Assert.True(SmartScopeParser.TryParse("patient/Observation.rs?category=laboratory", out var scope, out var error), error);

        var resource = Assert.IsType<SmartResourceScope>(scope);
        Assert.Equal(SmartPermissions.Read | SmartPermissions.Search, resource.Permissions);
        Assert.Equal([new("category", "laboratory")], resource.Parameters);
    }

    [Fact]
    public void Parse_AnHti1ScopeWithSystemAndCode_KeepsBoth()
    {
        const string Value = "patient/Condition.rs?category=http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern&clinical-status=active";

        Assert.True(SmartScopeParser.TryParse(Value, out var scope, out var error), error);

        Assert.Equal(
            [new("category", "http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern"), new("clinical-status", "active")],
            Assert.IsType<SmartResourceScope>(scope).Parameters);
    }

    [Theory]
    [InlineData("openid")]
    [InlineData("fhirUser")]
    [InlineData("profile")]
    [InlineData("offline_access")]
    [InlineData("launch/patient")]
    [InlineData("launch")]
    [InlineData("key-management.admin")]
    public void Parse_FixedScopes_AreKnown(string value)
    {
        Assert.True(SmartScopeParser.TryParse(value, out var scope, out var error), error);

        Assert.Equal(value, Assert.IsType<SmartFixedScope>(scope).Value);
    }

    [Theory]
    [InlineData("patient/Observation.sr", "each at most once and in that order")]
    [InlineData("patient/Observation.rr", "each at most once and in that order")]
    [InlineData("patient/Observation.rx", "each at most once and in that order")]
    [InlineData("patient/Observation.reads", "each at most once and in that order")]
    [InlineData("patient/Observation.read?category=laboratory", "only SMART v2 scopes")]
    [InlineData("patient/Observation.rs?category", "name=value")]
    [InlineData("patient/Observation.rs?category=lab oratory", "name=value")]
    [InlineData("patient/Observation.rs?=laboratory", "name=value")]
    [InlineData("patient/Observation", "not a known scope")]
    [InlineData("Patient/Observation.read", "not a known scope")]
    [InlineData("patient/observation.read", "not a known scope")]
    [InlineData("clinician/Observation.read", "not a known scope")]
    [InlineData("patient/Observation.", "not a known scope")]
    [InlineData("launch/practitioner", "not a known scope")]
    [InlineData("OpenID", "not a known scope")]
    [InlineData("", "empty")]
    [InlineData("patient/Observation.rs\n", "not a known scope")]
    [InlineData("patient/Observation.rs?category=laboratory\n", "not a known scope")]
    public void Parse_InvalidForms_AreRefusedWithAReason(string value, string reason)
    {
        Assert.False(SmartScopeParser.TryParse(value, out var scope, out var error));

        Assert.Null(scope);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ARefusal_NeverEchoesControlCharactersOrQuotes()
    {
        Assert.False(SmartScopeParser.TryParse("patient/\"Obs\r\nervation.rs", out _, out var error));

        Assert.DoesNotContain("\n", error, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", error, StringComparison.Ordinal);
        Assert.DoesNotContain("\"Obs", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseList_ReadsEveryScope_AndRefusesTheListOnTheFirstBadOne()
    {
        Assert.True(SmartScopeParser.TryParseList("openid fhirUser launch/patient patient/Observation.rs", out var scopes, out var error), error);
        Assert.Equal(4, scopes.Count);

        Assert.False(SmartScopeParser.TryParseList("openid patient/Observation.sr", out _, out error));
        Assert.Contains("patient/Observation.sr", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Allows_IsTrueOnlyForGrantedPermissions()
    {
        Assert.True(SmartScopeParser.TryParse("patient/Observation.rs", out var scope, out _));
        var resource = (SmartResourceScope)scope;

        Assert.True(resource.Allows(SmartPermissions.Read));
        Assert.True(resource.Allows(SmartPermissions.Read | SmartPermissions.Search));
        Assert.False(resource.Allows(SmartPermissions.Create));
        Assert.False(resource.Allows(SmartPermissions.Read | SmartPermissions.Update));
        Assert.False(resource.Allows(SmartPermissions.None));
        Assert.True(resource.AppliesTo("Observation"));
        Assert.False(resource.AppliesTo("Condition"));
    }

    [Theory]
    [InlineData("patient/Observation.rs", new[] { "records" })]
    [InlineData("patient/Consent.cruds", new[] { "consent" })]
    [InlineData("user/Consent.rs", new[] { "consent" })]
    [InlineData("patient/AuditEvent.rs", new[] { "audit" })]
    [InlineData("user/AuditEvent.rs", new[] { "audit" })]
    [InlineData("patient/*.rs", new[] { "records", "consent" })]
    [InlineData("key-management.admin", new[] { "key-management" })]
    [InlineData("openid", new string[0])]
    [InlineData("launch/patient", new string[0])]
    public void AudiencesFor_FollowsTheScopeTable(string value, string[] audiences)
    {
        Assert.True(SmartScopeParser.TryParse(value, out var scope, out _));

        Assert.Equal(audiences, SmartScopeApis.AudiencesFor(scope));
    }
}
