using System.Diagnostics;
using System.Net.Sockets;

namespace HealthPlatform.LocalInfrastructure;

/// <summary>
/// A server process started directly (outside Aspire), for tests that need a real Postgres,
/// Redis or RabbitMQ of their own. Disposal stops it and waits for it to exit.
/// </summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly Process _process;

    private RunningServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts <paramref name="command"/> and waits until <paramref name="port"/> accepts TCP connections.</summary>
    public static async Task<RunningServer> StartAsync(ProcessCommand command, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var process = Process.Start(command.ToStartInfo()) ?? throw new LocalInfrastructureException($"Could not start {command.FileName}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RunningServer(process, port);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            if (process.HasExited)
            {
                throw new LocalInfrastructureException($"{Path.GetFileName(command.FileName)} exited with {process.ExitCode} before it accepted connections.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, deadline.Token);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(100, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await server.DisposeAsync();
                throw new LocalInfrastructureException($"{Path.GetFileName(command.FileName)} did not accept connections on port {port} within {timeout}.");
            }
        }
    }

    /// <summary>Asks the server to shut down (SIGINT: a fast shutdown for Postgres), killing it if it lingers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await ProcessRunner.RunAsync(new ProcessCommand("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]), CancellationToken.None);
            }
            catch (LocalInfrastructureException) when (_process.HasExited)
            {
                // It ended by itself in the meantime.
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }

        _process.Dispose();
    }
}
