namespace HealthPlatform.LocalInfrastructure;

/// <summary>
/// PostgreSQL refuses to run as root. When this process is root, server commands are wrapped in
/// <c>setpriv</c> to run as the <c>postgres</c> user the Debian package creates. <c>setpriv</c>
/// execs the server in place (unlike <c>runuser</c> or <c>su</c>, which fork), so the process an
/// orchestrator stops is the server itself.
/// </summary>
public static class ServiceAccount
{
    public const string PostgresUser = "postgres";

    public static bool IsRoot => Environment.IsPrivilegedProcess;

    public static ProcessCommand AsPostgresUser(ProcessCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!IsRoot)
        {
            return command;
        }

        string[] wrapper = ["--reuid=" + PostgresUser, "--regid=" + PostgresUser, "--init-groups", "--", command.FileName];
        return command with { FileName = Executables.Find("setpriv", "util-linux"), Arguments = [.. wrapper, .. command.Arguments] };
    }

    /// <summary>Gives a directory tree to the postgres user (only needed when running as root).</summary>
    public static async Task GiveToPostgresUserAsync(string path, CancellationToken cancellationToken)
    {
        if (IsRoot)
        {
            await ProcessRunner.RunAsync(new ProcessCommand("chown", ["-R", $"{PostgresUser}:{PostgresUser}", path]), cancellationToken);
        }
    }
}
