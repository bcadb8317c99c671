namespace HealthPlatform.Testing;

/// <summary>The system clock moved by an offset, which a test can move further (<see cref="Advance"/>); timers keep real time.</summary>
public sealed class ShiftedTime(TimeSpan offset) : TimeProvider
{
    private long _offsetTicks = offset.Ticks;

    public ShiftedTime()
        : this(TimeSpan.Zero)
    {
    }

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
}
