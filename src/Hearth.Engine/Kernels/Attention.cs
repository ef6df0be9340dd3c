using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Hearth.Engine.Kernels;

/// <summary>
/// Scaled dot-product attention of one query head over the first <c>count</c> cached positions, computed the way
/// llama.cpp's CPU flash attention does over its default F16 KV cache, so logits match it closely:
/// keys and values hold F16 values (stored as floats, already rounded by <see cref="RoundToHalf(float*, int)"/>),
/// the query is rounded to F16 before the q.k dot products, softmax is online (one pass, rescaling when a new
/// maximum appears) and the weighted sum of values is accumulated in F16 precision.
/// Keys and values are rows <c>stride</c> floats apart (one row per position, all KV heads side by side); the
/// caller points them at its KV head.
/// </summary>
internal static unsafe class Attention
{
    /// <summary>Positions whose scores one step of <see cref="Head"/> computes together.</summary>
    const int Block = 8;

    /// <summary>
    /// <paramref name="scratch"/> holds 2 x headDim floats. headDim must be a multiple of 8 for the vector path;
    /// other sizes take <see cref="HeadScalar"/>.
    /// The positions are taken in blocks of eight: their scores first (eight independent dot products, each summed
    /// as ggml's F16 dot sums it, see <see cref="Dots"/>), then the running maximum
    /// before each position, one vector exp for the block, and last the sequential F16 accumulation. Every position
    /// still sees exactly the rescale / weight that the one-position-at-a-time online softmax gives it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Head(float* q, float* keys, float* values, long stride, int count, int headDim, float scale,
        float* scratch, float* output)
    {
        if (!Vector256.IsHardwareAccelerated || !Avx.IsSupported || headDim % 8 != 0)
        {
            HeadScalar(q, keys, values, stride, count, headDim, scale, output);
            return;
        }
        float* qh = scratch, acc = scratch + headDim;
        for (int i = 0; i < headDim; i += 8)
        {
            Vector256.Store(RoundToHalf(Vector256.Load(q + i)), qh + i);
            Vector256.Store(Vector256<float>.Zero, acc + i);
        }
        float* buffer = stackalloc float[3 * Block], weights = buffer + 2 * Block; // scores, maxima before, weights
        var vscale = Vector256.Create(scale);
        var acc8 = Vector256<float>.Zero; // headDim 8: the accumulator stays in a register
        float sum = 0, max = float.NegativeInfinity;
        for (int b = 0; b < count; b += Block)
        {
            int n = Math.Min(Block, count - b);
            float* k = keys + b * stride;
            // Rows past the end of a short last block reuse the block's first row; their lanes are ignored.
            long s1 = n > 1 ? stride : 0, s2 = n > 2 ? 2 * stride : 0, s3 = n > 3 ? 3 * stride : 0, s4 = n > 4 ? 4 * stride : 0,
                s5 = n > 5 ? 5 * stride : 0, s6 = n > 6 ? 6 * stride : 0, s7 = n > 7 ? 7 * stride : 0;
            var scores = Dots(qh, headDim, k, k + s1, k + s2, k + s3, k + s4, k + s5, k + s6, k + s7) * vscale;

            // The running maximum before each position: a position above it rescales by e^(before - s) and weighs 1,
            // any other weighs e^(s - before). Either way the factor is e^(min - max) of the two.
            Vector256.Store(scores, buffer);
            for (int j = 0; j < n; j++)
            {
                buffer[Block + j] = max;
                max = MathF.Max(max, buffer[j]);
            }
            var before = Vector256.Load(buffer + Block);
            uint rises = Vector256.GreaterThan(scores, before).ExtractMostSignificantBits();
            Vector256.Store(VectorExp.Exp(Vector256.Min(scores, before) - Vector256.Max(scores, before)), weights);

            float* v = values + b * stride;
            if (headDim == 8)
            {
                for (int j = 0; j < n; j++, v += stride)
                {
                    float w = weights[j];
                    if ((rises & (1u << j)) != 0)
                    {
                        acc8 = RoundToHalf(acc8 * Vector256.Create(w));
                        sum *= w;
                        acc8 = RoundToHalf(acc8 + Vector256.Load(v));
                        sum += 1;
                    }
                    else
                    {
                        acc8 = RoundToHalf(Vector256.FusedMultiplyAdd(Vector256.Load(v), Vector256.Create(w), acc8));
                        sum += w;
                    }
                }
                continue;
            }
            for (int j = 0; j < n; j++, v += stride)
            {
                var vw = Vector256.Create(weights[j]);
                if ((rises & (1u << j)) != 0)
                {
                    for (int i = 0; i < headDim; i += 8)
                        Vector256.Store(RoundToHalf(RoundToHalf(Vector256.Load(acc + i) * vw) + Vector256.Load(v + i)), acc + i);
                    sum *= weights[j];
                    sum += 1;
                }
                else
                {
                    for (int i = 0; i < headDim; i += 8)
                        Vector256.Store(RoundToHalf(Vector256.FusedMultiplyAdd(Vector256.Load(v + i), vw, Vector256.Load(acc + i))), acc + i);
                    sum += weights[j];
                }
            }
        }
        if (headDim == 8) Vector256.Store(acc8, acc);
        var inverse = Vector256.Create(1f / sum);
        for (int i = 0; i < headDim; i += 8) Vector256.Store(Vector256.Load(acc + i) * inverse, output + i);
    }

    /// <summary>The scalar reference of <see cref="Head"/>, with .NET's own <see cref="Half"/> conversions.</summary>
    public static void HeadScalar(float* q, float* keys, float* values, long stride, int count, int headDim, float scale,
        float* output)
    {
        var qh = new float[headDim];
        var acc = new float[headDim];
        for (int i = 0; i < headDim; i++) qh[i] = (float)(Half)q[i];
        float sum = 0, max = float.NegativeInfinity;
        for (int t = 0; t < count; t++)
        {
            double dot = 0;
            for (int i = 0; i < headDim; i++) dot += qh[i] * (double)keys[t * stride + i];
            float s = (float)dot * scale;
            float vs = 1;
            if (s > max)
            {
                float ms = (float)Math.Exp(max - s);
                max = s;
                sum *= ms;
                for (int i = 0; i < headDim; i++) acc[i] = (float)(Half)(acc[i] * ms);
            }
            else vs = (float)Math.Exp(s - max);
            for (int i = 0; i < headDim; i++) acc[i] = (float)(Half)MathF.FusedMultiplyAdd(values[t * stride + i], vs, acc[i]);
            sum += vs;
        }
        float inverse = 1f / sum;
        for (int i = 0; i < headDim; i++) output[i] = acc[i] * inverse;
    }

    /// <summary>Rounds each value to the nearest F16 (ties to even), kept as a float: what an F16 cache would store.</summary>
    public static void RoundToHalf(float* x, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) Vector256.Store(RoundToHalf(Vector256.Load(x + i)), x + i);
        for (; i < n; i++) x[i] = (float)(Half)x[i];
    }

    /// <summary>
    /// Float to F16 precision without leaving float: normal halves keep 11 significant bits (round the 13 dropped
    /// mantissa bits to nearest even); below 2^-14 halves are multiples of 2^-24, which adding and subtracting
    /// 0.75 (whose ulp is 2^-24) rounds to. Magnitudes beyond the F16 range are not expected here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> RoundToHalf(Vector256<float> x)
    {
        var u = x.AsUInt32();
        var normal = (u + Vector256.Create(0x0FFFu) + ((u >> 13) & Vector256<uint>.One)) & Vector256.Create(0xFFFFE000u);
        var abs = Vector256.Abs(x);
        var tiny = (abs + Vector256.Create(0.75f)) - Vector256.Create(0.75f);
        var sign = u & Vector256.Create(0x80000000u);
        var subnormal = tiny.AsUInt32() | sign;
        var isSubnormal = Vector256.LessThan(abs, Vector256.Create(6.103515625e-05f)).AsUInt32();
        return Vector256.ConditionalSelect(isSubnormal, subnormal, normal).AsSingle();
    }

    /// <summary>
    /// The dot products of q with eight key rows, each as ggml's AVX F16 dot forms it (the F16 x F16 products are
    /// exact in float): the first headDim &amp; ~31 elements in four 8-lane float FMA accumulators reduced as
    /// GGML_F32x8_REDUCE does, the rest summed in double, rounded to float once at the end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Dots(float* q, int n, float* k0, float* k1, float* k2, float* k3, float* k4, float* k5, float* k6, float* k7)
    {
        int np = n & ~31;
        var lo = Vector256<double>.Zero;
        var hi = Vector256<double>.Zero;
        if (np > 0)
        {
            var f = ReduceTransposed(SimdPart(q, k0, np), SimdPart(q, k1, np), SimdPart(q, k2, np), SimdPart(q, k3, np),
                SimdPart(q, k4, np), SimdPart(q, k5, np), SimdPart(q, k6, np), SimdPart(q, k7, np));
            (lo, hi) = Vector256.Widen(f);
        }
        if (np < n)
        {
            lo += SumTransposed(DoublePart(q, k0, np, n), DoublePart(q, k1, np, n), DoublePart(q, k2, np, n), DoublePart(q, k3, np, n));
            hi += SumTransposed(DoublePart(q, k4, np, n), DoublePart(q, k5, np, n), DoublePart(q, k6, np, n), DoublePart(q, k7, np, n));
        }
        return Vector256.Narrow(lo, hi);
    }

    /// <summary>ggml's four FMA accumulators over the first np (a multiple of 32) elements, folded as its reduce folds them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> SimdPart(float* q, float* k, int np)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int i = 0; i < np; i += 32)
        {
            a0 = Vector256.FusedMultiplyAdd(Vector256.Load(q + i), Vector256.Load(k + i), a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.Load(q + i + 8), Vector256.Load(k + i + 8), a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.Load(q + i + 16), Vector256.Load(k + i + 16), a2);
            a3 = Vector256.FusedMultiplyAdd(Vector256.Load(q + i + 24), Vector256.Load(k + i + 24), a3);
        }
        return (a0 + a2) + (a1 + a3);
    }

    /// <summary>
    /// The horizontal sums of eight vectors as the lanes of one, each in GGML_F32x8_REDUCE's order: lanes i and
    /// i+4 first, then ((0+1) + (2+3)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> ReduceTransposed(Vector256<float> p0, Vector256<float> p1, Vector256<float> p2, Vector256<float> p3,
        Vector256<float> p4, Vector256<float> p5, Vector256<float> p6, Vector256<float> p7)
    {
        // c04 = [p0 lo + p0 hi | p4 lo + p4 hi], and so on.
        var c04 = Avx.Permute2x128(p0, p4, 0x20) + Avx.Permute2x128(p0, p4, 0x31);
        var c15 = Avx.Permute2x128(p1, p5, 0x20) + Avx.Permute2x128(p1, p5, 0x31);
        var c26 = Avx.Permute2x128(p2, p6, 0x20) + Avx.Permute2x128(p2, p6, 0x31);
        var c37 = Avx.Permute2x128(p3, p7, 0x20) + Avx.Permute2x128(p3, p7, 0x31);
        return Avx.HorizontalAdd(Avx.HorizontalAdd(c04, c15), Avx.HorizontalAdd(c26, c37));
    }

    /// <summary>The products of elements np..n-1 (exact in float) summed in double, four partial sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<double> DoublePart(float* q, float* k, int np, int n)
    {
        var acc = Vector256<double>.Zero;
        for (int i = np; i < n; i += 8)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Load(q + i) * Vector256.Load(k + i));
            acc += lo + hi;
        }
        return acc;
    }

    /// <summary>The horizontal sums of four double vectors as the lanes of one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<double> SumTransposed(Vector256<double> d0, Vector256<double> d1, Vector256<double> d2, Vector256<double> d3)
    {
        var h01 = Avx.HorizontalAdd(d0, d1); // [d0 01, d1 01, d0 23, d1 23]
        var h23 = Avx.HorizontalAdd(d2, d3);
        return Avx.Permute2x128(h01, h23, 0x20) + Avx.Permute2x128(h01, h23, 0x31);
    }
}
