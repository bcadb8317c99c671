using System.Security.Cryptography;

namespace HealthPlatform.LocalInfrastructure;

/// <summary>
/// A PostgreSQL data directory for local runs and tests: created with <c>initdb</c> on first use,
/// password authentication for everyone (scram-sha-256, TCP on loopback only), and a generated
/// superuser password kept beside the data in a file only its owner can read.
/// </summary>
public sealed class PostgresCluster(PostgresInstallation installation, string rootDirectory)
{
    public const string SuperUser = "postgres";

    public string RootDirectory { get; } = rootDirectory;

    public string DataDirectory => Path.Combine(RootDirectory, "data");

    public string SocketDirectory => Path.Combine(RootDirectory, "run");

    private string PasswordFile => Path.Combine(RootDirectory, "superuser.secret");

    public bool IsInitialized => File.Exists(Path.Combine(DataDirectory, "PG_VERSION"));

    /// <summary>The superuser password, generated (and saved) the first time it is asked for.</summary>
    public string SuperUserPassword()
    {
        Directory.CreateDirectory(RootDirectory);
        if (!File.Exists(PasswordFile))
        {
            Secrets.WriteOwnerOnly(PasswordFile, Secrets.NewPassword());
        }

        return File.ReadAllText(PasswordFile).Trim();
    }

    public async Task EnsureInitializedAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(SocketDirectory);
        if (IsInitialized)
        {
            await ServiceAccount.GiveToPostgresUserAsync(SocketDirectory, cancellationToken);
            return;
        }

        Directory.CreateDirectory(DataDirectory);
        // initdb reads the password from a file the postgres user can open; it is removed at once.
        var passwordFile = Path.Combine(SocketDirectory, $"initdb-{RandomNumberGenerator.GetHexString(8)}");
        Secrets.WriteOwnerOnly(passwordFile, SuperUserPassword());
        try
        {
            await ServiceAccount.GiveToPostgresUserAsync(DataDirectory, cancellationToken);
            await ServiceAccount.GiveToPostgresUserAsync(SocketDirectory, cancellationToken);
            var initdb = new ProcessCommand(installation.InitDb,
            [
                "-D", DataDirectory, "-U", SuperUser, "--pwfile=" + passwordFile,
                "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-instructions",
            ]);
            await ProcessRunner.RunAsync(ServiceAccount.AsPostgresUser(initdb), cancellationToken);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    /// <summary>The server command: loopback TCP on <paramref name="port"/>, socket in the cluster's run folder.</summary>
    public ProcessCommand ServerCommand(string port, bool durable = true)
    {
        List<string> arguments =
        [
            "-D", DataDirectory, "-p", port, "-k", SocketDirectory,
            "-c", "listen_addresses=127.0.0.1",
            "-c", "max_connections=200",
        ];
        if (!durable)
        {
            // Tests only: skip disk flushes; a crash may lose data, which a test run does not need.
            arguments.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        return ServiceAccount.AsPostgresUser(new ProcessCommand(installation.Postgres, arguments));
    }
}
