using System.Diagnostics;
using System.Runtime.InteropServices;
using Hearth.Engine.Gguf;
using Hearth.Engine.Kernels;

namespace Hearth.Bench;

/// <summary>
/// `kernels` mode: matmul throughput per weight type on Qwen2.5-0.5B shapes. Weights are spread over distinct
/// memory larger than the last-level cache so decode numbers include streaming weights from RAM, as in a real model.
/// </summary>
internal static unsafe class KernelBench
{
    const int Embd = 896, Ffn = 4864;

    public static void Run(string[] args)
    {
        int threads = args.Length > 1 ? int.Parse(args[1]) : Environment.ProcessorCount;
        var types = args.Length > 2
            ? args[2].Split(',').Select(Enum.Parse<GgmlType>).ToArray()
            : [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.F16, GgmlType.BF16, GgmlType.F32];
        Console.WriteLine($"matmul {Embd}x{Ffn} (ffn_down shape: {Embd} rows of {Ffn}), {threads} threads, " +
            $"AVX2 {Avx2Kernels.IsSupported}, AVX-512BW {System.Runtime.Intrinsics.X86.Avx512BW.IsSupported}, " +
            $"AVX-VNNI {System.Runtime.Intrinsics.X86.AvxVnni.IsSupported}");
        Console.WriteLine($"{"type",-6} {"n=1 us",9} {"GB/s",7} {"GFLOP/s",8} {"0.5B set ms",12} {"n=128 ms",9} {"GFLOP/s",8} {"pp t/s*",8}");
        using var pool = new ComputePool(threads);
        foreach (var type in types) Measure(pool, type);
        Console.WriteLine("n=1: 10th percentile of the calls; n=128: fastest call, in thread CPU time with 1 thread (the machine may be shared).");
        Console.WriteLine("0.5B set: n=1 time scaled to the 494M weights of Qwen2.5-0.5B's matmuls (incl. tied output head).");
        Console.WriteLine("pp t/s*: 128 / (n=128 time scaled to 494M weights), matmuls only.");
    }

    /// <summary>`kernels-rows`: single thread, one L2-resident matrix (128 rows), CPU ns per (weight row x activation row)
    /// for growing n: shows how well a kernel reuses a decoded weight block across activation rows.</summary>
    public static void RowScaling(string[] args)
    {
        var types = args.Length > 1 ? args[1].Split(',').Select(Enum.Parse<GgmlType>).ToArray() : [GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K];
        using var pool = new ComputePool(1);
        Console.WriteLine($"{"type",-6} " + string.Join(" ", new[] { 1, 2, 4, 8, 16, 64 }.Select(n => $"{"n=" + n,8}")) + "   (ns per weight row x activation row)");
        foreach (var type in types)
        {
            long rowBytes = Quantize.RowBytes(type, Ffn);
            const int rows = 128;
            var bytes = KernelTestRows(type, rows, rowBytes);
            var x = new float[Ffn * 64];
            var rng = new Random(1);
            for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
            var y = new float[rows * 64];
            Console.Write($"{type,-6} ");
            fixed (byte* p = bytes)
            {
                var w = new WeightMatrix(p, type, rows, Ffn);
                foreach (int n in new[] { 1, 2, 4, 8, 16, 64 })
                {
                    Warm(() => MatMul.Multiply(pool, w, x, y, n));
                    double best = double.MaxValue;
                    for (int rep = 0; rep < 5; rep++)
                    {
                        double c0 = ThreadCpuMs();
                        int calls = Math.Max(4, 256 / n);
                        for (int i = 0; i < calls; i++) MatMul.Multiply(pool, w, x, y, n);
                        best = Math.Min(best, (ThreadCpuMs() - c0) * 1e6 / calls / n / rows);
                    }
                    Console.Write($"{best,8:F0} ");
                }
            }
            Console.WriteLine();
        }
    }

    /// <summary>`kernels-paths`: every SIMD path of every type on one L2-resident matrix, single thread, for 1 and
    /// 4 activation rows: CPU ns per (weight row x activation row).</summary>
    public static void Paths(string[] args)
    {
        var types = args.Length > 1 ? args[1].Split(',').Select(Enum.Parse<GgmlType>).ToArray()
            : [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.F16, GgmlType.BF16, GgmlType.F32];
        const int rows = 128;
        Console.WriteLine($"{"type",-6} {"path",-10} {"n=1",8} {"n=4",8}   (ns per weight row x activation row, {Ffn} columns)");
        foreach (var type in types)
        {
            long rowBytes = Quantize.RowBytes(type, Ffn);
            var bytes = KernelTestRows(type, rows, rowBytes);
            var vecType = DotKernels.VecDotType(type);
            long aStride = DotKernels.ActivationRowBytes(vecType, Ffn);
            var act = new byte[aStride * 4];
            var x = new float[Ffn * 4];
            var rng = new Random(1);
            for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
            var y = new float[rows * 4];
            fixed (byte* pw = bytes, pa = act)
            fixed (float* px = x, py = y)
            {
                for (int k = 0; k < 4; k++) DotKernels.QuantizeActivationsScalar(vecType, px + k * Ffn, pa + k * aStride, Ffn);
                foreach (var (name, kernel) in new[] { ("scalar", RowKernels.Scalar(type)), ("vector128", RowKernels.Portable128(type)),
                             ("avx2", RowKernels.Avx2(type)), ("avx512", RowKernels.Avx512(type)) })
                {
                    if (kernel == null) continue;
                    Console.Write($"{type,-6} {name,-10} ");
                    foreach (int n in new[] { 1, 4 })
                    {
                        byte* w0 = pw;
                        byte* a0 = pa;
                        float* y0 = py;
                        void Sweep() { for (int r = 0; r < rows; r++) kernel(w0 + r * rowBytes, a0, aStride, Ffn, y0 + r, rows, n); }
                        Warm(Sweep);
                        double best = double.MaxValue;
                        for (int rep = 0; rep < 7; rep++)
                        {
                            double c0 = ThreadCpuMs();
                            for (int i = 0; i < 8; i++) Sweep();
                            best = Math.Min(best, (ThreadCpuMs() - c0) * 1e6 / 8 / rows / n);
                        }
                        Console.Write($"{best,8:F0} ");
                    }
                    Console.WriteLine();
                }
            }
        }
    }

    /// <summary>`kernels-pp`: single thread, Llama-3.2-1B matmul shapes (attn 2048x2048, ffn gate/up 8192x2048, ffn_down
    /// 2048x8192) or the ROWSxCOLS list given fourth, n activation rows (default 128): thread CPU ms per matmul (fastest of
    /// the repeats) and GMAC/s. <c>kernels-pp TYPES N REPS [ROWSxCOLS,...]</c>.</summary>
    public static void PromptShapes(string[] args)
    {
        var types = args.Length > 1 ? args[1].Split(',').Select(Enum.Parse<GgmlType>).ToArray() : [GgmlType.Q4_K, GgmlType.Q6_K];
        int n = args.Length > 2 ? int.Parse(args[2]) : 128;
        int reps = args.Length > 3 ? int.Parse(args[3]) : 5;
        using var pool = new ComputePool(1);
        (int Rows, int Cols)[] shapes = args.Length > 4
            ? [.. args[4].Split(',').Select(s => s.Split('x')).Select(p => (int.Parse(p[0]), int.Parse(p[1])))]
            : [(2048, 2048), (8192, 2048), (2048, 8192)];
        Console.WriteLine($"{"type",-6} " + string.Join(" ", shapes.Select(s => $"{s.Rows + "x" + s.Cols + " ms",14} {"GMAC/s",7}")) + $"   (n={n}, 1 thread, CPU time)");
        foreach (var type in types)
        {
            Console.Write($"{type,-6} ");
            foreach (var (rows, cols) in shapes)
            {
                long rowBytes = Quantize.RowBytes(type, cols);
                const int distinct = 64;
                var distinctRows = KernelTestRows(type, distinct, rowBytes, cols);
                byte* all = (byte*)NativeMemory.AlignedAlloc((nuint)(rowBytes * rows), 64);
                try
                {
                    for (int r = 0; r < rows; r++)
                        distinctRows.AsSpan((int)((r % distinct) * rowBytes), (int)rowBytes).CopyTo(new Span<byte>(all + r * rowBytes, (int)rowBytes));
                    var x = new float[cols * n];
                    var rng = new Random(1);
                    for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
                    var y = new float[rows * n];
                    var w = new WeightMatrix(all, type, rows, cols);
                    MatMul.Multiply(pool, w, x, y, n);
                    MatMul.Multiply(pool, w, x, y, n);
                    double best = double.MaxValue;
                    for (int rep = 0; rep < reps; rep++)
                    {
                        double c0 = ThreadCpuMs();
                        MatMul.Multiply(pool, w, x, y, n);
                        best = Math.Min(best, ThreadCpuMs() - c0);
                    }
                    Console.Write($"{best,14:F2} {(double)rows * cols * n / best / 1e6,7:F1} ");
                }
                finally
                {
                    NativeMemory.AlignedFree(all);
                }
            }
            Console.WriteLine();
        }
    }

    static void Measure(ComputePool pool, GgmlType type)
    {
        long rowBytes = Quantize.RowBytes(type, Ffn);
        long matBytes = rowBytes * Embd;
        int copies = (int)Math.Max(2, (256L << 20) / matBytes); // >= 256 MB of weights, well past the L3
        byte* all = (byte*)NativeMemory.AlignedAlloc((nuint)(matBytes * copies), 64);
        try
        {
            // a few distinct quantized rows, repeated: the values do not matter for speed, the bytes in RAM do
            const int distinct = 16;
            var rows = KernelTestRows(type, distinct, rowBytes);
            for (int c = 0; c < copies; c++)
                for (int r = 0; r < Embd; r++)
                    rows.AsSpan((int)((r % distinct) * rowBytes), (int)rowBytes).CopyTo(new Span<byte>(all + c * matBytes + r * rowBytes, (int)rowBytes));

            var x = new float[Ffn * 128];
            var rng = new Random(1);
            for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
            var y = new float[Embd * 128];

            // decode: one activation row, cycling through the copies (after the JIT has tiered up)
            Warm(() => MatMul.Multiply(pool, new WeightMatrix(all, type, Embd, Ffn), x, y, 1));
            Warm(() => MatMul.Multiply(pool, new WeightMatrix(all, type, Embd, Ffn), x, y, 4));
            int iters = Math.Max(copies * 4, 200);
            for (int i = 0; i < copies; i++) MatMul.Multiply(pool, new WeightMatrix(all + i * matBytes, type, Embd, Ffn), x, y, 1);
            var times = new double[iters];
            for (int i = 0; i < iters; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                MatMul.Multiply(pool, new WeightMatrix(all + (i % copies) * matBytes, type, Embd, Ffn), x, y, 1);
                times[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            }
            Array.Sort(times);
            double us = times[iters / 10]; // 10th percentile: this machine is shared, slower runs are other work
            double flops = 2.0 * Embd * Ffn;
            double modelScale = 494e6 / ((double)Embd * Ffn);

            // prompt: 128 activation rows
            int ppIters = 6;
            MatMul.Multiply(pool, new WeightMatrix(all, type, Embd, Ffn), x, y, 128);
            double ppMs = double.MaxValue;
            for (int i = 0; i < ppIters; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                double cpu0 = ThreadCpuMs();
                MatMul.Multiply(pool, new WeightMatrix(all + (i % copies) * matBytes, type, Embd, Ffn), x, y, 128);
                // one thread: its CPU time excludes the time other processes on a shared machine took
                double ms = pool.Threads == 1 ? ThreadCpuMs() - cpu0 : Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                ppMs = Math.Min(ppMs, ms);
            }

            Console.WriteLine($"{type,-6} {us,9:F1} {matBytes / us / 1e3,7:F1} {flops / us / 1e3,8:F1} {us * modelScale / 1e3,12:F2} " +
                $"{ppMs,9:F2} {flops * 128 / ppMs / 1e6,8:F1} {128 / (ppMs * modelScale / 1e3),8:F0}");
        }
        finally
        {
            NativeMemory.AlignedFree(all);
        }
    }

    /// <summary>Calls the action for 300 ms so tiered compilation has produced optimized code before timing.</summary>
    static void Warm(Action action)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < 200) action();
    }

    [StructLayout(LayoutKind.Sequential)]
    struct TimeSpec { public long Seconds, Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    static extern int ClockGetTime(int clock, out TimeSpec time);

    internal static double ThreadCpuMs()
    {
        if (!OperatingSystem.IsLinux()) return Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
        ClockGetTime(3 /* CLOCK_THREAD_CPUTIME_ID */, out var t);
        return t.Seconds * 1e3 + t.Nanoseconds / 1e6;
    }

    static byte[] KernelTestRows(GgmlType type, int count, long rowBytes, int cols = Ffn)
    {
        var rng = new Random(7);
        var values = new float[cols];
        var bytes = new byte[rowBytes * count];
        for (int r = 0; r < count; r++)
        {
            for (int i = 0; i < cols; i++) values[i] = (float)(rng.NextDouble() - 0.5) * 0.1f;
            Quantize.Row(type, values, bytes.AsSpan((int)(r * rowBytes), (int)rowBytes));
        }
        return bytes;
    }
}
