using HealthPlatform.ServiceDefaults.Authorization.Smart;

namespace HealthPlatform.ServiceDefaults.Tests.Authorization;

public sealed class SmartScopeAllowanceTests
{
    [Theory]
    [InlineData("user/*.rs", "user/Observation.rs")]
    [InlineData("user/*.rs", "user/Observation.r")]
    [InlineData("user/*.rs", "user/Observation.read")]
    [InlineData("user/*.rs", "user/Observation.rs?category=laboratory")]
    [InlineData("patient/Observation.cruds", "patient/Observation.cud")]
    [InlineData("patient/Observation.rs?category=laboratory", "patient/Observation.rs?category=laboratory")]
    [InlineData("patient/Observation.rs?category=laboratory", "patient/Observation.r?category=laboratory&code=1234-5")]
    [InlineData("launch/patient", "launch/patient")]
    public void Covers_ARequestWithinTheAllowance(string allowed, string requested) =>
        Assert.True(SmartScopeAllowance.Covers(Parse(allowed), Parse(requested)));

    [Theory]
    [InlineData("user/*.rs", "user/Observation.c")]
    [InlineData("user/*.rs", "user/Observation.write")]
    [InlineData("user/*.rs", "patient/Observation.rs")]
    [InlineData("user/*.rs", "system/Observation.rs")]
    [InlineData("user/Observation.rs", "user/Condition.rs")]
    [InlineData("user/Observation.rs", "user/*.rs")]
    [InlineData("patient/Observation.rs?category=laboratory", "patient/Observation.rs")]
    [InlineData("patient/Observation.rs?category=laboratory", "patient/Observation.rs?category=vital-signs")]
    [InlineData("openid", "fhirUser")]
    [InlineData("user/*.rs", "user/AuditEvent.rs")]
    [InlineData("user/*.cruds", "key-management.admin")]
    public void DoesNotCover_ARequestBeyondIt(string allowed, string requested) =>
        Assert.False(SmartScopeAllowance.Covers(Parse(allowed), Parse(requested)));

    [Fact]
    public void Uncovered_ListsExactlyTheScopesOutsideTheAllowance()
    {
        string[] allowance = ["openid", "fhirUser", "user/*.rs"];
        string[] request = ["openid", "user/Observation.rs", "user/Observation.c", "offline_access"];
        var allowed = allowance.Select(Parse);
        var requested = request.Select(Parse);

        Assert.Equal(["user/Observation.c", "offline_access"], SmartScopeAllowance.Uncovered(allowed, requested).Select(scope => scope.Value));
    }

    private static SmartScope Parse(string value) =>
        SmartScopeParser.TryParse(value, out var scope, out var error) ? scope : throw new ArgumentException(error, nameof(value));
}
