using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hearth.Engine.Kernels;

/// <summary>One piece of parallel work: every pool thread calls Execute once with its index.</summary>
public interface IComputeJob
{
    void Execute(int thread, int threadCount);
}

/// <summary>
/// Persistent worker threads with a spin-then-sleep handoff. Decode runs hundreds of small matmuls per token, so a
/// dispatch must cost microseconds: workers spin on a generation counter for a short while after each job and only
/// then fall asleep on a monitor. The calling thread is worker 0. One job runs at a time; jobs must not call Run.
/// <para>
/// Each worker's share of a job (its thread index) is claimed, by the worker or by the caller: a worker claims its
/// share when it sees the job; the caller, done with its own share, claims every share no worker has claimed yet and
/// runs it itself. So a job never waits for a worker that is asleep or descheduled (a machine with more runnable
/// threads than cores preempts workers all the time); it only waits for shares a worker is actually running. Every
/// thread index still runs exactly once per job, so jobs may split work by index (and use per-index scratch).
/// </para>
/// </summary>
public sealed unsafe class ComputePool : IDisposable
{
    /// <summary>How long an idle worker spins before it sleeps; long enough to bridge the gap between two matmuls.</summary>
    const double SpinMicroseconds = 250;

    readonly Thread[] _workers;
    readonly object _gate = new();
    readonly long _spinTicks;
    int _generation;
    int _sleepers;
    // Per worker share of the current job: Open (not yet claimed), Running (a worker runs it), Done.
    const int Done = 0, Open = 1, Running = 2;
    readonly int[] _shares;
    int _busy;
    volatile bool _disposed;
    delegate*<object, int, int, void> _thunk;
    object? _box;
    Exception? _failure;

    byte* _scratch;
    long _scratchBytes;
    readonly int* _counters;

    public ComputePool(int threads, long inlineWork = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inlineWork);
        InlineWork = inlineWork;
        if (threads < 1 || threads > 1024)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "A compute pool needs between 1 and 1024 threads.");
        Threads = threads;
        _spinTicks = (long)(SpinMicroseconds * Stopwatch.Frequency / 1_000_000);
        _counters = (int*)NativeMemory.AlignedAlloc(128, 64);
        _workers = new Thread[threads - 1];
        _shares = new int[threads];
        for (int i = 0; i < _workers.Length; i++)
        {
            int index = i + 1;
            _workers[i] = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"Hearth compute {index}" };
            _workers[i].Start();
        }
    }

    public int Threads { get; }

    /// <summary>Runs job.Execute(t, Threads) for every t in parallel (t = 0 on the calling thread) and waits for all.</summary>
    public void Run<TJob>(ref TJob job) where TJob : struct, IComputeJob
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Threads == 1)
        {
            job.Execute(0, 1);
            return;
        }
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
            throw new InvalidOperationException("ComputePool.Run was called while another job was running on this pool (nested or concurrent use).");
        var box = JobBox<TJob>.ForThisThread;
        box.Job = job;
        try
        {
            _box = box;
            _thunk = &JobBox<TJob>.Execute;
            _failure = null;
            // The job is published before its shares open: a worker that claims a share then reads this job.
            for (int i = 1; i < Threads; i++) Volatile.Write(ref _shares[i], Open);
            Interlocked.Increment(ref _generation);
            if (Volatile.Read(ref _sleepers) > 0)
                lock (_gate) Monitor.PulseAll(_gate);

            Exception? own = null;
            try
            {
                box.Job.Execute(0, Threads);
                // Shares no worker has claimed yet run here rather than wait for a sleeping or preempted worker.
                for (int i = 1; i < Threads; i++)
                    if (Interlocked.CompareExchange(ref _shares[i], Done, Open) == Open) box.Job.Execute(i, Threads);
            }
            catch (Exception e)
            {
                own = e;
                for (int i = 1; i < Threads; i++) Interlocked.CompareExchange(ref _shares[i], Done, Open);
            }

            // Wait for the shares workers are running: spin (they are normally moments from done), then yield.
            for (int i = 1; i < Threads; i++)
            {
                long spinStart = 0;
                while (Volatile.Read(ref _shares[i]) != Done)
                {
                    if (spinStart == 0) spinStart = Stopwatch.GetTimestamp();
                    if (Stopwatch.GetTimestamp() - spinStart < _spinTicks) Thread.SpinWait(8);
                    else Thread.Yield();
                }
            }
            job = box.Job;
            _box = null;
            var failure = own ?? _failure;
            if (failure != null) throw new AggregateException("A compute job failed.", failure);
        }
        finally
        {
            box.Job = default;
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// A good <see cref="InlineWork"/> for model evaluation: below about this many multiply-adds, handing a job to a
    /// worker and waiting for it costs more than it saves (tiny models decode several times faster inline).
    /// </summary>
    public const long DefaultInlineWork = 32 * 1024;

    /// <summary>Jobs given less work than this to <see cref="Run{TJob}(ref TJob, long)"/> run on the calling thread
    /// alone. 0 (the constructor's default) never inlines, so tests of small jobs still exercise the workers.</summary>
    public long InlineWork { get; }

    /// <summary>Like <see cref="Run{TJob}(ref TJob)"/>, but a job of less than <see cref="InlineWork"/> runs as
    /// Execute(0, 1) on the calling thread.</summary>
    public void Run<TJob>(ref TJob job, long work) where TJob : struct, IComputeJob
    {
        if (work < InlineWork)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            job.Execute(0, 1);
            return;
        }
        Run(ref job);
    }

    /// <summary>Shared counters for dynamic work splitting inside one job (index 0..15), reset by the job's owner.</summary>
    internal int* Counters => _counters;

    /// <summary>A 64-byte aligned buffer of at least <paramref name="bytes"/>, reused across calls (grown, never shrunk).</summary>
    internal byte* Scratch(long bytes)
    {
        if (bytes > _scratchBytes)
        {
            if (_scratch != null) NativeMemory.AlignedFree(_scratch);
            long size = Math.Max(bytes, 64 * 1024);
            _scratch = (byte*)NativeMemory.AlignedAlloc((nuint)size, 64);
            _scratchBytes = size;
        }
        return _scratch;
    }

    void WorkerLoop(int index)
    {
        int seen = 0;
        while (true)
        {
            int gen = Volatile.Read(ref _generation);
            if (gen == seen)
            {
                long start = Stopwatch.GetTimestamp();
                int spins = 0;
                while ((gen = Volatile.Read(ref _generation)) == seen && !_disposed)
                {
                    Thread.SpinWait(8);
                    if ((++spins & 63) == 0 && Stopwatch.GetTimestamp() - start > _spinTicks)
                    {
                        lock (_gate)
                        {
                            Interlocked.Increment(ref _sleepers);
                            while ((gen = Volatile.Read(ref _generation)) == seen && !_disposed) Monitor.Wait(_gate);
                            Interlocked.Decrement(ref _sleepers);
                        }
                        start = Stopwatch.GetTimestamp();
                    }
                }
            }
            if (_disposed) return;
            seen = gen;
            // Claim this worker's share; the caller may have run it already (this worker was late).
            if (Interlocked.CompareExchange(ref _shares[index], Running, Open) != Open) continue;
            try { _thunk(_box!, index, Threads); }
            catch (Exception e) { _failure = e; }
            Volatile.Write(ref _shares[index], Done);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (_gate) Monitor.PulseAll(_gate);
        foreach (var t in _workers) t.Join();
        if (_scratch != null) NativeMemory.AlignedFree(_scratch);
        _scratch = null;
        NativeMemory.AlignedFree(_counters);
    }

    sealed class JobBox<TJob> where TJob : struct, IComputeJob
    {
        [ThreadStatic] static JobBox<TJob>? t_box;
        public TJob Job;

        public static JobBox<TJob> ForThisThread => t_box ??= new JobBox<TJob>();

        public static void Execute(object box, int thread, int threads) =>
            Unsafe.As<JobBox<TJob>>(box).Job.Execute(thread, threads);
    }
}
