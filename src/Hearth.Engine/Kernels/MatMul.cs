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
                else pool.Run(ref quantize, (long)n * w.Cols);
            }

            var job = new MultiplyJob(w, kernel, PairKernel(w.Type, n), act, actStride, py, n, pool.Counters);
            pool.Counters[0] = 0;
            pool.Run(ref job, (long)w.Rows * w.Cols * n);
        }
    }

    /// <summary>
    /// Several products of the same activations in one dispatch: y_i[n x w_i.Rows] = x . W_i^T for up to 3 matrices
    /// with the same column count and vec-dot type (attention q/k/v, ffn gate/up). The activations are converted once
    /// and the rows of all matrices are handed out from one counter, so decode pays one quantization and one
    /// thread handoff instead of one per matrix. Falls back to separate products when the vec-dot types differ.
    /// Results are identical to <see cref="Multiply"/> on each matrix.
    /// </summary>
    internal static void MultiplyMany(ComputePool pool, float* x, int n, in WeightMatrix w0, float* y0, in WeightMatrix w1, float* y1,
        in WeightMatrix w2 = default, float* y2 = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        int count = w2.Data == null ? 2 : 3;
        GgmlType vecType = DotKernels.VecDotType(w0.Type);
        int cols = w0.Cols;
        bool compatible = w1.Cols == cols && DotKernels.VecDotType(w1.Type) == vecType
            && (count == 2 || (w2.Cols == cols && DotKernels.VecDotType(w2.Type) == vecType));
        if (!compatible)
        {
            Multiply(pool, w0, new ReadOnlySpan<float>(x, n * w0.Cols), new Span<float>(y0, n * w0.Rows), n);
            Multiply(pool, w1, new ReadOnlySpan<float>(x, n * w1.Cols), new Span<float>(y1, n * w1.Rows), n);
            if (count == 3) Multiply(pool, w2, new ReadOnlySpan<float>(x, n * w2.Cols), new Span<float>(y2, n * w2.Rows), n);
            return;
        }
        var k0 = RowKernels.For(w0.Type);
        var k1 = RowKernels.For(w1.Type);
        var k2 = count == 3 ? RowKernels.For(w2.Type) : k0;
        byte* act;
        long actStride;
        if (vecType == GgmlType.F32)
        {
            act = (byte*)x;
            actStride = cols * 4L;
        }
        else
        {
            actStride = DotKernels.ActivationRowBytes(vecType, cols);
            act = pool.Scratch(actStride * n);
            var quantize = new QuantizeJob(vecType, x, cols, act, actStride, n);
            if (n == 1 || pool.Threads == 1) quantize.Execute(0, 1);
            else pool.Run(ref quantize, (long)n * cols);
        }
        var job = new MultiplyManyJob(act, actStride, n, pool.Counters,
            new Part(w0, k0, y0, n, pool.Threads), new Part(w1, k1, y1, n, pool.Threads),
            count == 3 ? new Part(w2, k2, y2, n, pool.Threads) : default);
        pool.Counters[0] = 0;
        pool.Run(ref job, ((long)w0.Rows + w1.Rows + (count == 3 ? w2.Rows : 0)) * cols * n);
    }

    /// <summary>The 2-weight-row kernel to use with n activation rows, if any: only batches gain from it.</summary>
    static RowPairKernel? PairKernel(GgmlType type, int n) => n >= 4 ? RowKernels.PairFor(type) : null;

    /// <summary>One matrix of a <see cref="MultiplyManyJob"/>: its kernels, output and chunking.</summary>
    readonly struct Part(WeightMatrix w, RowKernel kernel, float* y, int n, int threads)
    {
        public readonly WeightMatrix W = w;
        public readonly RowKernel Kernel = kernel;
        public readonly RowPairKernel? Pair = w.Data == null ? null : PairKernel(w.Type, n);
        public readonly float* Y = y;
        public readonly int Chunk = w.Data == null ? 1 : MultiplyJob.ChunkRows(w.Rows, threads, n);
        public int Chunks => W.Data == null ? 0 : (W.Rows + Chunk - 1) / Chunk;
    }

    readonly struct MultiplyManyJob(byte* act, long actStride, int n, int* counter, Part p0, Part p1, Part p2) : IComputeJob
    {
        public void Execute(int thread, int threadCount)
        {
            int c0 = p0.Chunks, c1 = c0 + p1.Chunks, c2 = c1 + p2.Chunks;
            while (true)
            {
                int chunk = Interlocked.Increment(ref *counter) - 1;
                if (chunk >= c2) return;
                if (chunk < c0) MultiplyJob.Sweep(p0.W, p0.Kernel, p0.Pair, act, actStride, p0.Y, n, chunk * p0.Chunk, p0.Chunk);
                else if (chunk < c1) MultiplyJob.Sweep(p1.W, p1.Kernel, p1.Pair, act, actStride, p1.Y, n, (chunk - c0) * p1.Chunk, p1.Chunk);
                else MultiplyJob.Sweep(p2.W, p2.Kernel, p2.Pair, act, actStride, p2.Y, n, (chunk - c1) * p2.Chunk, p2.Chunk);
            }
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
    readonly struct MultiplyJob(WeightMatrix w, RowKernel kernel, RowPairKernel? pair, byte* act, long actStride, float* y, int n, int* counter) : IComputeJob
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
                Sweep(w, kernel, pair, act, actStride, y, n, start, chunk);
            }
        }

        /// <summary>Weight rows start..start+chunk-1 (clipped) times all n activation rows, 4 activation rows at a time;
        /// two weight rows at a time where the type has a pair kernel.</summary>
        internal static void Sweep(in WeightMatrix w, RowKernel kernel, RowPairKernel? pair, byte* act, long actStride, float* y, int n, int start, int chunk)
        {
            int rows = w.Rows;
            int end = Math.Min(rows, start + chunk);
            for (int g = 0; g < n; g += GroupRows)
            {
                int count = Math.Min(GroupRows, n - g);
                byte* a = act + g * actStride;
                float* yg = y + (long)g * rows;
                int r = start;
                if (pair != null)
                    for (; r + 2 <= end; r += 2)
                        pair(w.Row(r), w.RowBytes, a, actStride, w.Cols, yg + r, rows, count);
                for (; r < end; r++)
                    kernel(w.Row(r), a, actStride, w.Cols, yg + r, rows, count);
            }
        }

        internal static int ChunkRows(int rows, int threads, int n)
        {
            if (threads == 1) return n == 1 ? rows : Math.Min(rows, 16);
            // about 8 chunks per thread for balance, but at least 16 rows so the counter is not contended
            int chunk = (rows + threads * 8 - 1) / (threads * 8);
            chunk = Math.Max(chunk, Math.Min(rows, 16));
            return n == 1 ? chunk : Math.Min(chunk, 16);
        }
    }
}
