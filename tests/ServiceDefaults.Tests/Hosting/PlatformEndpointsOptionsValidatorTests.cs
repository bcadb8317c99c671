using HealthPlatform.ServiceDefaults.Hosting;

namespace HealthPlatform.ServiceDefaults.Tests.Hosting;

public sealed class PlatformEndpointsOptionsValidatorTests
{
    private readonly PlatformEndpointsOptionsValidator _validator = new();

    [Fact]
    public void Validate_WithDistinctPorts_Succeeds()
    {
        var result = _validator.Validate(null, new PlatformEndpointsOptions { PublicPort = 5002, InternalPort = 6002, ManagementPort = 7002 });

        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Validate_WithoutPublicListener_Succeeds()
    {
        var result = _validator.Validate(null, new PlatformEndpointsOptions { InternalPort = 6004, ManagementPort = 7004 });

        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Validate_WithoutManagementPort_FailsNamingTheSetting()
    {
        var result = _validator.Validate(null, new PlatformEndpointsOptions { PublicPort = 5002 });

        Assert.True(result.Failed);
        Assert.Contains("Endpoints:ManagementPort", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WhenPortsCollide_FailsNamingThePortSettings()
    {
        var result = _validator.Validate(null, new PlatformEndpointsOptions { PublicPort = 7002, ManagementPort = 7002 });

        Assert.True(result.Failed);
        Assert.Contains("Endpoints:PublicPort", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("must differ", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(70000)]
    public void Validate_WithPortOutOfRange_FailsNamingTheSetting(int port)
    {
        var result = _validator.Validate(null, new PlatformEndpointsOptions { InternalPort = port, ManagementPort = 7002 });

        Assert.True(result.Failed);
        Assert.Contains("Endpoints:InternalPort", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WithBadBindAddress_FailsNamingTheSetting()
    {
        var result = _validator.Validate(null, new PlatformEndpointsOptions { BindAddress = "localhost:80", ManagementPort = 7002 });

        Assert.True(result.Failed);
        Assert.Contains("Endpoints:BindAddress", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WithNonPositiveBodyLimit_FailsNamingTheSetting()
    {
        var result = _validator.Validate(null, new PlatformEndpointsOptions { ManagementPort = 7002, MaxRequestBodySize = 0 });

        Assert.True(result.Failed);
        Assert.Contains("Endpoints:MaxRequestBodySize", result.FailureMessage, StringComparison.Ordinal);
    }
}
