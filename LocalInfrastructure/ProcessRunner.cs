using System.Diagnostics;

namespace HealthPlatform.LocalInfrastructure;

/// <summary>Runs a short set-up command (initdb, chown) to completion.</summary>
public static class ProcessRunner
{
    public static async Task RunAsync(ProcessCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var process = Process.Start(command.ToStartInfo())
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
