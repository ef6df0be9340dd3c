using Hearth.Engine.Gguf;

namespace Hearth.Engine.Kernels;

/// <summary>
/// y = x . W^T for stored weight matrices, the way ggml-cpu computes it: each activation row is first converted to
/// the weight's vec-dot type (Q8_0, Q8_1, Q8_K, F16, BF16 or F32), then every output is a per-block integer (or
/// float) dot product. Rows of W are split across the pool's threads.
/// </summary>
public static unsafe class MatMul
{
    /// <summary>Whether <see cref="Multiply"/> accepts weights of this type.</summary>
    public static bool Supports(GgmlType type) => DotKernels.Supports(type);

    /// <summary>
    /// y[n x w.Rows] = x[n x w.Cols] . W^T with row-major float activations. n == 1 is single-token decode; n &gt; 1 is
    /// batched prompt processing.
    /// </summary>
    public static void Multiply(ComputePool pool, in WeightMatrix w, ReadOnlySpan<float> x, Span<float> y, int n)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "At least one activation row is needed.");
        if (w.Data == null) throw new ArgumentException("The weight matrix is empty (default).", nameof(w));
        if (x.Length < (long)n * w.Cols)
            throw new ArgumentException($"x holds {x.Length} floats but {n} rows of {w.Cols} are needed.", nameof(x));
        if (y.Length < (long)n * w.Rows)
            throw new ArgumentException($"y holds {y.Length} floats but {n} rows of {w.Rows} are needed.", nameof(y));

        GgmlType vecType = DotKernels.VecDotType(w.Type);
        RowKernel kernel = RowKernels.For(w.Type); // first: its class setup must precede the first kernel compile
        fixed (float* px = x)
        fixed (float* py = y)
        {
            byte* act;
            long actStride;
            if (vecType == GgmlType.F32)
            {
                act = (byte*)px;
                actStride = w.Cols * 4L;
            }
            else
            {
                actStride = DotKernels.ActivationRowBytes(vecType, w.Cols);
                act = pool.Scratch(actStride * n);
                var quantize = new QuantizeJob(vecType, px, w.Cols, act, actStride, n);
                if (n == 1 || pool.Threads == 1) quantize.Execute(0, 1);
                else pool.Run(ref quantize);
            }

            var job = new MultiplyJob(w, kernel, act, actStride, py, n, pool.Counters);
            pool.Counters[0] = 0;
            pool.Run(ref job);
        }
    }

    /// <summary>Converts the n activation rows to the vec-dot type, rows split across threads.</summary>
    readonly struct QuantizeJob(GgmlType type, float* x, int cols, byte* act, long actStride, int n) : IComputeJob
    {
        public void Execute(int thread, int threadCount)
        {
            for (int r = thread; r < n; r += threadCount)
                Activations.Convert(type, x + (long)r * cols, act + r * actStride, cols);
        }
    }

    /// <summary>
    /// Weight rows are handed out in chunks from a shared counter so a thread that got a slower core takes fewer.
    /// With several activation rows, each chunk is swept once per group of 4 activation rows: the group stays in L1
    /// while the chunk's weight rows stream past it, and each weight block is decoded once per 4 rows.
    /// </summary>
    readonly struct MultiplyJob(WeightMatrix w, RowKernel kernel, byte* act, long actStride, float* y, int n, int* counter) : IComputeJob
    {
        const int GroupRows = 4;

        public void Execute(int thread, int threadCount)
        {
            int rows = w.Rows;
            int chunk = ChunkRows(rows, threadCount, n);
            while (true)
            {
                int start = (Interlocked.Increment(ref *counter) - 1) * chunk;
                if (start >= rows) return;
                int end = Math.Min(rows, start + chunk);
                for (int g = 0; g < n; g += GroupRows)
                {
                    int count = Math.Min(GroupRows, n - g);
                    byte* a = act + g * actStride;
                    float* yg = y + (long)g * rows;
                    for (int r = start; r < end; r++)
                        kernel(w.Row(r), a, actStride, w.Cols, yg + r, rows, count);
                }
            }
        }

        static int ChunkRows(int rows, int threads, int n)
        {
            if (threads == 1) return n == 1 ? rows : Math.Min(rows, 16);
            // about 8 chunks per thread for balance, but at least 16 rows so the counter is not contended
            int chunk = (rows + threads * 8 - 1) / (threads * 8);
            chunk = Math.Max(chunk, Math.Min(rows, 16));
            return n == 1 ? chunk : Math.Min(chunk, 16);
        }
    }
}
