using System.Runtime.CompilerServices;

namespace Hearth.Client;

/// <summary>A pull as both modes run it: start a pull job, follow its events, end with the job's outcome.</summary>
public static class PullJobs
{
    public static async IAsyncEnumerable<HearthProgress> PullAsync(IHearth hearth, string model, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var job = await hearth.StartPullJobAsync(model, cancellationToken).ConfigureAwait(false);
        HearthJob? last = null;
        await foreach (var state in hearth.WatchJobAsync(job.Id, cancellationToken).ConfigureAwait(false))
        {
            last = state;
            if (state.Progress is { } progress) yield return progress;
        }
        if (last is not { Status: "succeeded" })
            throw new HearthException(last?.Status == "canceled" ? 499 : 502, $"Pulling {model} {last?.Status ?? "ended"}: {last?.Error}", "server_error", "pull_failed");
        yield return new HearthProgress("done", 1, 0, null, model);
    }
}
