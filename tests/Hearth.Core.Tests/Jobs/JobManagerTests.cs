using Hearth.Core.Jobs;
using Hearth.Core.Models;

namespace Hearth.Core.Tests.Jobs;

public sealed class JobManagerTests
{
    readonly JobManager _jobs = new();

    /// <summary>A job that reports the numbers it is fed and finishes when told.</summary>
    sealed class Script
    {
        public readonly System.Threading.Channels.Channel<long> Steps = System.Threading.Channels.Channel.CreateUnbounded<long>();
        public async Task<object?> Run(JobContext context)
        {
            await foreach (var step in Steps.Reader.ReadAllAsync(context.CancellationToken))
            {
                if (step < 0) throw new InvalidOperationException("step went wrong");
                context.Progress.Report(new ProgressEvent(ProgressPhase.Downloading, step, 100));
            }
            return "done";
        }
    }

    static async Task<List<JobEvent>> Collect(IAsyncEnumerable<JobEvent> events)
    {
        var list = new List<JobEvent>();
        await foreach (var e in events) list.Add(e);
        return list;
    }

    [Fact]
    public async Task Events_FanOutToEverySubscriber_AndEndWithTheResult()
    {
        var script = new Script();
        var job = _jobs.Start("pull", "m", script.Run);
        var a = Collect(_jobs.SubscribeAsync(job.Id));
        var b = Collect(_jobs.SubscribeAsync(job.Id));
        await Task.Delay(50);

        foreach (var step in new long[] { 10, 50, 100 }) await script.Steps.Writer.WriteAsync(step);
        script.Steps.Writer.Complete();

        foreach (var events in await Task.WhenAll(a, b))
        {
            Assert.Equal(JobEventType.State, events[0].Type);
            Assert.Equal([10L, 50, 100], events.Where(e => e.Type == JobEventType.Progress).Select(e => e.Job.Progress!.Bytes));
            Assert.Equal(JobEventType.Succeeded, events[^1].Type);
            Assert.Equal("done", events[^1].Job.Result);
        }
        var final = _jobs.Get(job.Id)!;
        Assert.Equal(JobStatus.Succeeded, final.Status);
        Assert.NotNull(final.Finished);
    }

    [Fact]
    public async Task LateSubscriber_GetsTheLatestStateFirst()
    {
        var script = new Script();
        var job = _jobs.Start("pull", "m", script.Run);
        await script.Steps.Writer.WriteAsync(42);
        await WaitFor(() => _jobs.Get(job.Id)!.Progress?.Bytes == 42);

        await using var late = _jobs.SubscribeAsync(job.Id).GetAsyncEnumerator();
        Assert.True(await late.MoveNextAsync());

        Assert.Equal(JobEventType.State, late.Current.Type);
        Assert.Equal(42, late.Current.Job.Progress!.Bytes);
        Assert.Equal(0.42, late.Current.Job.Progress.Progress);
        script.Steps.Writer.Complete();
    }

    [Fact]
    public async Task SubscriberLeaving_DoesNotStopTheJob()
    {
        var script = new Script();
        var job = _jobs.Start("pull", "m", script.Run);
        using (var cts = new CancellationTokenSource())
        {
            await using var e = _jobs.SubscribeAsync(job.Id, cts.Token).GetAsyncEnumerator(cts.Token);
            Assert.True(await e.MoveNextAsync());
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await e.MoveNextAsync());
        }
        await script.Steps.Writer.WriteAsync(70);
        script.Steps.Writer.Complete();

        var final = await _jobs.WaitAsync(job.Id).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(JobStatus.Succeeded, final.Status);
        Assert.Equal(70, final.Progress!.Bytes);

        var afterwards = await Collect(_jobs.SubscribeAsync(job.Id));
        Assert.Equal(JobStatus.Succeeded, Assert.Single(afterwards).Job.Status); // a finished job replays its end and closes
    }

    [Fact]
    public async Task Cancel_StopsTheJob()
    {
        var script = new Script();
        var job = _jobs.Start("pull", "m", script.Run);
        var events = Collect(_jobs.SubscribeAsync(job.Id));

        Assert.True(_jobs.Cancel(job.Id));

        Assert.Equal(JobEventType.Canceled, (await events.WaitAsync(TimeSpan.FromSeconds(5)))[^1].Type);
        Assert.Equal(JobStatus.Canceled, _jobs.Get(job.Id)!.Status);
        Assert.False(_jobs.Cancel(job.Id));
        Assert.False(_jobs.Cancel("no-such-job"));
    }

    [Fact]
    public async Task Failure_IsRecordedWithItsMessage()
    {
        var script = new Script();
        var job = _jobs.Start("pull", "m", script.Run);
        await script.Steps.Writer.WriteAsync(-1);

        var final = await _jobs.WaitAsync(job.Id).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(JobStatus.Failed, final.Status);
        Assert.Equal("step went wrong", final.Error);
    }

    [Fact]
    public async Task SameDedupeKey_JoinsTheRunningJob_UntilItFinishes()
    {
        var script = new Script();
        var first = _jobs.Start("pull", "m", script.Run, "pull:m");
        var second = _jobs.Start("pull", "m", _ => throw new InvalidOperationException("must not run"), "pull:m");
        Assert.Equal(first.Id, second.Id);

        script.Steps.Writer.Complete();
        await _jobs.WaitAsync(first.Id);
        var third = _jobs.Start("pull", "m", _ => Task.FromResult<object?>(null), "pull:m");

        Assert.NotEqual(first.Id, third.Id);
        Assert.Equal(2, _jobs.List().Count);
    }

    [Fact]
    public async Task UnknownJob_IsATypedError()
    {
        await Assert.ThrowsAsync<JobNotFoundException>(async () => await Collect(_jobs.SubscribeAsync("nope")));
        Assert.Null(_jobs.Get("nope"));
    }

    static async Task WaitFor(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}
