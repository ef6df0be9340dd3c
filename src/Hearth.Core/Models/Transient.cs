namespace Hearth.Core.Models;

/// <summary>
/// Failures a flaky network or a busy Hub causes for a moment (resets, timeouts, 5xx, 429), and retrying the
/// small requests (file info, listings) that come before a download through them.
/// </summary>
static class Transient
{
    public static bool IsTransient(Exception e) =>
        e is IOException or HttpRequestException or TimeoutException or OperationCanceledException;

    /// <summary>Runs <paramref name="request"/>, retrying transient failures with a doubling pause; gives up with a <see cref="ModelDownloadException"/>.</summary>
    public static async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> request, string what, ModelOptions options,
        ProgressMeter meter, CancellationToken ct)
    {
        var delay = options.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try { return await request(ct).ConfigureAwait(false); }
            catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested)
            {
                if (attempt >= options.MaxAttemptsWithoutProgress)
                    throw new ModelDownloadException($"{what}: gave up after {attempt} attempts: {e.Message}", e);
                meter.Report(ProgressPhase.Retrying, text: $"{what}: {e.Message} Retrying in {delay.TotalSeconds:0.#}s.");
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.MaxRetryDelay.Ticks));
            }
        }
    }
}
