namespace HealthPlatform.ServiceDefaults.Tests.Data;

public sealed class ProbeItem
{
    public int Id { get; set; }

    public required string Name { get; set; }
}
