using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Hearth.Core.Models;

namespace Hearth.Core.Jobs;

/// <summary>
/// Runs long operations (pulls, loads) apart from the requests that start them: a job keeps going when its client
/// goes away, any number of clients can follow its events, and it can be cancelled by id.
/// </summary>
public sealed class JobManager(TimeProvider? time = null) : IDisposable
{
    /// <summary>Finished jobs remembered for late readers; older ones are forgotten.</summary>
    public const int FinishedJobsKept = 100;

    readonly TimeProvider _time = time ?? TimeProvider.System;
    readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, Job> _byDedupeKey = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts <paramref name="work"/> as a job. With a <paramref name="dedupeKey"/>, a running job with the same key
    /// is returned instead of starting a second one.
    /// </summary>
    public JobInfo Start(string kind, string subject, Func<JobContext, Task<object?>> work, string? dedupeKey = null)
    {
        while (true)
        {
            if (dedupeKey is not null && _byDedupeKey.TryGetValue(dedupeKey, out var running) && !running.Snapshot.IsFinished)
                return running.Snapshot;
            var job = new Job(Guid.NewGuid().ToString("N")[..12], kind, subject, _time.GetUtcNow(), _time);
            if (dedupeKey is not null)
            {
                if (!_byDedupeKey.TryGetValue(dedupeKey, out var existing)) { if (!_byDedupeKey.TryAdd(dedupeKey, job)) continue; }
                else if (existing.Snapshot.IsFinished) { if (!_byDedupeKey.TryUpdate(dedupeKey, job, existing)) continue; }
                else continue;
            }
            _jobs[job.Id] = job;
            job.Run(work, () => { if (dedupeKey is not null) _byDedupeKey.TryRemove(new(dedupeKey, job)); Prune(); });
            return job.Snapshot;
        }
    }

    public JobInfo? Get(string id) => _jobs.TryGetValue(id, out var job) ? job.Snapshot : null;

    /// <summary>Every known job, newest first.</summary>
    public IReadOnlyList<JobInfo> List() => _jobs.Values.Select(j => j.Snapshot).OrderByDescending(j => j.Created).ToList();

    /// <summary>Asks a running job to stop; false when it is unknown or already finished.</summary>
    public bool Cancel(string id) => _jobs.TryGetValue(id, out var job) && job.Cancel();

    /// <summary>Waits for a job to finish and returns its final state.</summary>
    public async Task<JobInfo> WaitAsync(string id, CancellationToken ct = default)
    {
        var job = _jobs.TryGetValue(id, out var j) ? j : throw new JobNotFoundException(id);
        await job.Completion.WaitAsync(ct).ConfigureAwait(false);
        return job.Snapshot;
    }

    /// <summary>
    /// Follows a job: first its current state, then every event until it finishes. Leaving (cancelling
    /// <paramref name="ct"/>) detaches this subscriber only; the job goes on.
    /// </summary>
    public async IAsyncEnumerable<JobEvent> SubscribeAsync(string id, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var job = _jobs.TryGetValue(id, out var j) ? j : throw new JobNotFoundException(id);
        var channel = job.Attach();
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                yield return e;
        }
        finally
        {
            job.Detach(channel);
        }
    }

    void Prune()
    {
        var finished = _jobs.Values.Where(j => j.Snapshot.IsFinished).OrderByDescending(j => j.Snapshot.Finished).Skip(FinishedJobsKept);
        foreach (var old in finished) _jobs.TryRemove(old.Id, out _);
    }

    public void Dispose()
    {
        foreach (var job in _jobs.Values) job.Cancel();
    }

    /// <summary>One job's state and its subscribers.</summary>
    sealed class Job(string id, string kind, string subject, DateTimeOffset created, TimeProvider time)
    {
        readonly Lock _lock = new();
        readonly List<Channel<JobEvent>> _subscribers = [];
        readonly CancellationTokenSource _cancel = new();
        readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Id { get; } = id;
        public JobInfo Snapshot { get; private set; } = new(id, kind, subject, JobStatus.Running, null, null, created, null);
        public Task Completion => _done.Task;

        public void Run(Func<JobContext, Task<object?>> work, Action finished)
        {
            var context = new JobContext(Id, new Progress(this), _cancel.Token);
            _ = Task.Run(async () =>
            {
                try
                {
                    var result = await work(context).ConfigureAwait(false);
                    Finish(JobEventType.Succeeded, s => s with { Status = JobStatus.Succeeded, Result = result });
                }
                catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
                {
                    Finish(JobEventType.Canceled, s => s with { Status = JobStatus.Canceled, Error = "canceled" });
                }
                catch (Exception e)
                {
                    Finish(JobEventType.Failed, s => s with { Status = JobStatus.Failed, Error = e.Message });
                }
                finally
                {
                    finished();
                    _done.TrySetResult();
                }
            });
        }

        public bool Cancel()
        {
            lock (_lock) if (Snapshot.IsFinished) return false;
            try { _cancel.Cancel(); } catch (ObjectDisposedException) { }
            return true;
        }

        public Channel<JobEvent> Attach()
        {
            // Bounded, dropping the oldest: a slow reader loses intermediate progress, never the final event.
            var channel = Channel.CreateBounded<JobEvent>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });
            lock (_lock)
            {
                channel.Writer.TryWrite(new JobEvent(JobEventType.State, Snapshot));
                if (Snapshot.IsFinished) channel.Writer.TryComplete();
                else _subscribers.Add(channel);
            }
            return channel;
        }

        public void Detach(Channel<JobEvent> channel)
        {
            lock (_lock) _subscribers.Remove(channel);
        }

        void Publish(string type, Func<JobInfo, JobInfo> update, bool complete)
        {
            lock (_lock)
            {
                if (Snapshot.IsFinished) return;
                Snapshot = update(Snapshot);
                var e = new JobEvent(type, Snapshot);
                foreach (var s in _subscribers)
                {
                    s.Writer.TryWrite(e);
                    if (complete) s.Writer.TryComplete();
                }
                if (complete) _subscribers.Clear();
            }
        }

        void Finish(string type, Func<JobInfo, JobInfo> update) =>
            Publish(type, s => update(s) with { Finished = time.GetUtcNow() }, complete: true);

        sealed class Progress(Job job) : IProgress<ProgressEvent>
        {
            public void Report(ProgressEvent value) => job.Publish(JobEventType.Progress, s => s with { Progress = value }, complete: false);
        }
    }
}
