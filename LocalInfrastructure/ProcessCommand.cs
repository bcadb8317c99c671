using System.Diagnostics;

namespace HealthPlatform.LocalInfrastructure;

/// <summary>A program to run, with its arguments and extra environment.</summary>
public sealed record ProcessCommand(string FileName, IReadOnlyList<string> Arguments)
{
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Start information with arguments passed one by one (no shell), output captured.</summary>
    public ProcessStartInfo ToStartInfo()
    {
        var start = new ProcessStartInfo(FileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in Environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }
}
