namespace HealthPlatform.LocalInfrastructure;

/// <summary>A program to run, with its arguments and extra environment.</summary>
public sealed record ProcessCommand(string FileName, IReadOnlyList<string> Arguments)
{
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
