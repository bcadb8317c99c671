using System.Globalization;

namespace HealthPlatform.AppHost.Tests.Platform;

/// <summary>A process seen in <c>/proc</c>; its start time tells it apart from a later process reusing its id.</summary>
public sealed record ProcessInfo(int Id, int ParentId, string Name, ulong StartTime)
{
    public bool IsAlive() => ProcessTable.Read(Id) is { } now && now.StartTime == StartTime;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name}({Id})");
}
