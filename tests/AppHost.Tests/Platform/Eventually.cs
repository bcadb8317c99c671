namespace HealthPlatform.AppHost.Tests.Platform;

/// <summary>Polls until a condition holds, failing with the last observed value after a timeout.</summary>
public static class Eventually
{
    public static async Task<T> MatchAsync<T>(Func<CancellationToken, Task<T>> observe, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(observe);
        ArgumentNullException.ThrowIfNull(condition);
        using var cts = new CancellationTokenSource(timeout);
        T last = default!;
        Exception? lastError = null;
        while (!cts.IsCancellationRequested)
        {
            try
            {
                last = await observe(cts.Token);
                if (condition(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                lastError = ex;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cts.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        throw new TimeoutException($"Timed out after {timeout} waiting for {what}; last seen: {last?.ToString() ?? lastError?.Message ?? "nothing"}");
    }
}
