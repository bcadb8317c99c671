using HealthPlatform.ServiceDefaults.Messaging;

namespace HealthPlatform.ServiceDefaults.Tests.Messaging;

public sealed class RabbitMqAddressTests
{
    [Fact]
    public void Parse_FullUri_ReadsEveryPart()
    {
        var address = RabbitMqAddress.Parse("amqp://app:p%40ss@127.0.0.1:5673/platform");

        Assert.Equal(new RabbitMqAddress("127.0.0.1", 5673, "platform", "app", "p@ss"), address);
    }

    [Fact]
    public void Parse_WithoutPortOrVirtualHost_UsesTheDefaults()
    {
        var address = RabbitMqAddress.Parse("amqp://app:secret@broker/");

        Assert.Equal(5672, address.Port);
        Assert.Equal("/", address.VirtualHost);
    }

    [Theory]
    [InlineData("broker:5672")]
    [InlineData("http://app:secret@broker/")]
    [InlineData("amqp://broker:5672/")]
    public void Parse_Malformed_FailsNamingTheSettingWithoutEchoingIt(string connectionString)
    {
        var error = Assert.Throws<InvalidOperationException>(() => RabbitMqAddress.Parse(connectionString));

        Assert.Contains("ConnectionStrings:messaging", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(connectionString, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_NeverShowsThePassword()
    {
        var address = RabbitMqAddress.Parse("amqp://app:TopSecret123@broker:5672/");

        Assert.DoesNotContain("TopSecret123", address.ToString(), StringComparison.Ordinal);
    }
}
