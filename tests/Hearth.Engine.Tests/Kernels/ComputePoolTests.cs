using Hearth.Engine.Kernels;

namespace Hearth.Engine.Tests.Kernels;

public unsafe class ComputePoolTests
{
    struct CountJob : IComputeJob
    {
        public int* PerThread;
        public int Seen;

        public void Execute(int thread, int threadCount)
        {
            Interlocked.Increment(ref PerThread[thread]);
            if (thread == 0) Seen = threadCount;
        }
    }

    [Theory]
    [InlineData(1, 20_000)]
    [InlineData(2, 2_000)]
    [InlineData(4, 300)] // more threads than this 2-core machine has: workers are often preempted
    [InlineData(16, 300)] // most shares are claimed and run by the caller, none twice
    public void EveryThreadRunsEachJobExactlyOnce(int threads, int calls)
    {
        using var pool = new ComputePool(threads);
        var counts = new int[threads];
        fixed (int* p = counts)
        {
            for (int i = 0; i < calls; i++)
            {
                var job = new CountJob { PerThread = p };
                pool.Run(ref job);
                Assert.Equal(threads, job.Seen);
                // the barrier: after Run returns, every thread has finished this call
                if (i % 100 == 0) for (int t = 0; t < threads; t++) Assert.Equal(i + 1, Volatile.Read(ref p[t]));
            }
        }
        Assert.All(counts, c => Assert.Equal(calls, c));
    }

    struct SumJob : IComputeJob
    {
        public float* Data;
        public double* Partial;
        public int Length;

        public void Execute(int thread, int threadCount)
        {
            double s = 0;
            for (int i = thread; i < Length; i += threadCount) s += Data[i];
            Partial[thread] = s;
        }
    }

    [Fact]
    public void WorkersWakeUpAfterSleeping()
    {
        using var pool = new ComputePool(2);
        var data = Enumerable.Range(0, 1000).Select(i => (float)i).ToArray();
        var partial = new double[2];
        fixed (float* d = data)
        fixed (double* ps = partial)
        {
            for (int round = 0; round < 3; round++)
            {
                Thread.Sleep(20); // longer than the spin window: the worker is asleep on the monitor
                var job = new SumJob { Data = d, Partial = ps, Length = data.Length };
                pool.Run(ref job);
                Assert.Equal(999.0 * 1000 / 2, partial[0] + partial[1]);
            }
        }
    }

    struct ThrowingJob : IComputeJob
    {
        public void Execute(int thread, int threadCount)
        {
            if (thread == threadCount - 1) throw new InvalidDataException("boom");
        }
    }

    struct NestedJob : IComputeJob
    {
        public ComputePool Pool;

        public void Execute(int thread, int threadCount)
        {
            if (thread != 0) return;
            var inner = new ThrowingJob();
            Pool.Run(ref inner);
        }
    }

    [Fact]
    public void FailuresPropagateAndThePoolKeepsWorking()
    {
        using var pool = new ComputePool(2);
        var job = new ThrowingJob();
        var e = Assert.Throws<AggregateException>(() => pool.Run(ref job));
        Assert.IsType<InvalidDataException>(e.InnerException);

        var nested = new NestedJob { Pool = pool };
        var n = Assert.Throws<AggregateException>(() => pool.Run(ref nested));
        Assert.IsType<InvalidOperationException>(n.InnerException);

        var counts = new int[2];
        fixed (int* p = counts)
        {
            var ok = new CountJob { PerThread = p };
            pool.Run(ref ok);
        }
        Assert.Equal([1, 1], counts);
    }

    [Fact]
    public void DisposeStopsWorkersAndRejectsFurtherUse()
    {
        var pool = new ComputePool(3);
        pool.Dispose();
        pool.Dispose();
        var job = new ThrowingJob();
        Assert.Throws<ObjectDisposedException>(() => pool.Run(ref job));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ComputePool(0));
    }

    [Fact]
    public void SmallJobsRunInlineOnlyWhenThePoolSaysSo()
    {
        using var inlining = new ComputePool(2, inlineWork: 1000);
        using var plain = new ComputePool(2);
        var counts = new int[2];
        fixed (int* p = counts)
        {
            var small = new CountJob { PerThread = p };
            inlining.Run(ref small, work: 999);
            Assert.Equal((1, 1, 0), (small.Seen, counts[0], counts[1])); // Execute(0, 1) on the caller

            var large = new CountJob { PerThread = p };
            inlining.Run(ref large, work: 1000);
            Assert.Equal((2, 2, 1), (large.Seen, counts[0], counts[1]));

            var unlimited = new CountJob { PerThread = p };
            plain.Run(ref unlimited, work: 1);
            Assert.Equal((2, 3, 2), (unlimited.Seen, counts[0], counts[1]));
        }
    }
}
