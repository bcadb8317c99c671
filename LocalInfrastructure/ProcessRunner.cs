using System.Diagnostics;

namespace HealthPlatform.LocalInfrastructure;

/// <summary>Runs a short set-up command (initdb, chown) to completion.</summary>
public static class ProcessRunner
{
    public static async Task RunAsync(ProcessCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var start = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in command.Environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)
            ?? throw new LocalInfrastructureException($"Could not start {command.FileName}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new LocalInfrastructureException(
                $"{Path.GetFileName(command.FileName)} exited with {process.ExitCode}: {(await error).Trim()} {(await output).Trim()}");
        }
    }
}
