namespace HealthPlatform.Testing;

/// <summary>The system clock moved by a fixed offset.</summary>
public sealed class ShiftedTime(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
