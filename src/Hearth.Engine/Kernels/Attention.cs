using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Hearth.Engine.Kernels;

/// <summary>
/// Scaled dot-product attention of query heads over the first <c>count</c> cached positions, computed the way
/// llama.cpp's CPU flash attention does over its default F16 KV cache, so logits match it closely:
/// keys and values are F16 (<see cref="ToHalf"/> stores them, rounding as ggml's conversion does; widening them
/// back to float is exact), the query is rounded to F16 before the q.k dot products, softmax is online (one pass,
/// rescaling when a new maximum appears) and the weighted sum of values is accumulated in F16 precision.
/// Keys and values are rows <c>stride</c> halves apart (one row per position, all KV heads side by side); the
/// caller points them at its KV head.
/// Like the float cache before it, the vector path assumes values within F16's range: an infinity or NaN in the
/// cache (where llama.cpp would propagate it) reads as a large finite value, and a query beyond 65504 overflows.
/// </summary>
internal static unsafe class Attention
{
    /// <summary>Positions whose scores one step of <see cref="Heads"/> computes together.</summary>
    const int Block = 8;

    /// <summary>Query rows one call of <see cref="Heads"/> takes at most.</summary>
    public const int MaxRows = 4;

    /// <summary>
    /// One query row: <see cref="Heads"/> with rows = 1. <paramref name="scratch"/> holds 2 x headDim floats.
    /// </summary>
    public static void Head(float* q, Half* keys, Half* values, long stride, int count, int headDim, float scale,
        float* scratch, float* output, float softcap = 0) =>
        Heads(q, 0, 1, 0, keys, values, stride, count, headDim, scale, scratch, output, 0, softcap);

    /// <summary>
    /// Up to <see cref="MaxRows"/> query rows over the same keys and values: row r (query <c>q + r * qStride</c>,
    /// output <c>output + r * outStride</c>) sees positions 0..count-1+r*countStep: countStep 1 for consecutive
    /// prompt tokens of one head, 0 for heads sharing a KV head (GQA). The rows share every key and value load and
    /// their F16 accumulations (each a chain of dependent roundings) run side by side; each row's result is the
    /// same bit for bit as alone. <paramref name="scratch"/> holds 2 x rows x headDim floats. headDim must be a
    /// multiple of 8 for the vector path; other sizes take <see cref="HeadScalar"/>.
    /// The positions are taken in blocks of eight: each row's scores first (eight independent dot products, each
    /// summed as ggml's F16 dot sums it, see <see cref="Dots"/>), its running maximum before each position (a
    /// vector prefix max), one vector exp, and last the sequential F16 accumulation. Every position still gets
    /// exactly the rescale and weight that the one-position-at-a-time online softmax gives it.
    /// Keys and values are read in <see cref="HalfScaled"/>'s form (the value x 2^-112, three operations per eight),
    /// the query and the weights scaled by 2^112 in turn: every product, so every sum and rounding, is the same as
    /// with the values themselves. With several rows a block's keys and each value row are widened once for all.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit] // every stackalloc is written before it is read
    /// A <paramref name="softcap"/> other than 0 bends every score to softcap * tanh(score / softcap) (gemma2), the
    /// division folded into the scale as ggml does.
    public static void Heads(float* q, long qStride, int rows, int countStep, Half* keys, Half* values, long stride, int count,
        int headDim, float scale, float* scratch, float* output, long outStride, float softcap = 0)
    {
        System.Diagnostics.Debug.Assert(rows is >= 1 and <= MaxRows && countStep is 0 or 1);
        if (!Vector256.IsHardwareAccelerated || !Avx2.IsSupported || headDim % 8 != 0)
        {
            for (int r = 0; r < rows; r++)
                HeadScalar(q + r * qStride, keys, values, stride, count + r * countStep, headDim, scale, output + r * outStride, softcap);
            return;
        }
        float* qh = scratch, acc = scratch + rows * headDim;
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < headDim; i += 8)
            {
                Vector256.Store(RoundToHalf(Vector256.Load(q + r * qStride + i)) * Vector256.Create(Up), qh + r * headDim + i);
                Vector256.Store(Vector256<float>.Zero, acc + r * headDim + i);
            }
        // Per row and position of a block: the factor rescaling what was accumulated before it (1 unless a new
        // maximum), and its weight (1 at a new maximum, 0 past the row's last position).
        float* rescales = stackalloc float[2 * MaxRows * Block], weights = rescales + MaxRows * Block;
        var maxima = stackalloc Vector256<float>[MaxRows]; // each row's running maximum, in every lane
        // with several rows: a block's keys (their first np elements) and one value row, widened (scaled) once for all
        int np = headDim & ~31, tail = headDim - np;
        bool shared = rows > 1;
        float* kf = stackalloc float[shared ? Block * np + headDim : 0], vf = kf + Block * np;
        float* sums = stackalloc float[MaxRows];
        // The elements past headDim & ~31, which ggml sums in double one after another: each row's query widened
        // once, and each block's keys transposed (element d of the eight positions side by side) and widened once
        // for all rows.
        double* qd = stackalloc double[MaxRows * 24], kd = stackalloc double[Block * 24];
        for (int r = 0; r < rows; r++)
            for (int d = 0; d < tail; d++) qd[r * 24 + d] = qh[r * headDim + np + d];
        for (int r = 0; r < MaxRows; r++)
        {
            maxima[r] = Vector256.Create(float.NegativeInfinity);
            sums[r] = 0;
            // Rows a 4-row pass runs beyond the real ones: nothing to add.
            Vector256.Store(Vector256<float>.One, rescales + r * Block);
            Vector256.Store(Vector256<float>.Zero, weights + r * Block);
        }
        var vscale = Vector256.Create(softcap != 0 ? scale / softcap : scale);
        var vcap = Vector256.Create(softcap);
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var a0 = Vector256<float>.Zero; // headDim 8: the accumulators stay in registers
        var a1 = Vector256<float>.Zero;
        var a2 = Vector256<float>.Zero;
        var a3 = Vector256<float>.Zero;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int total = count + (rows - 1) * countStep;
        for (int b = 0; b < total; b += Block)
        {
            int n = Math.Min(Block, total - b);
            Half* k = keys + b * stride;
            // Rows past the end of a short last block reuse the block's first row; their lanes are masked off.
            Half* k1 = n > 1 ? k + stride : k, k2 = n > 2 ? k + 2 * stride : k, k3 = n > 3 ? k + 3 * stride : k,
                k4 = n > 4 ? k + 4 * stride : k, k5 = n > 5 ? k + 5 * stride : k, k6 = n > 6 ? k + 6 * stride : k,
                k7 = n > 7 ? k + 7 * stride : k;
            for (int c = 0; c < tail; c += 8)
                TransposeWiden(k + np + c, k1 + np + c, k2 + np + c, k3 + np + c, k4 + np + c, k5 + np + c, k6 + np + c, k7 + np + c, kd + c * 8);
            float* f0 = kf, f1 = kf, f2 = kf, f3 = kf, f4 = kf, f5 = kf, f6 = kf, f7 = kf;
            if (shared && np > 0)
            {
                for (int j = 0; j < n; j++)
                    for (int i = 0; i < np; i += 8) Vector256.Store(HalfScaled(k + j * stride + i), kf + j * np + i);
                if (n > 1) f1 = kf + np;
                if (n > 2) f2 = kf + 2 * np;
                if (n > 3) f3 = kf + 3 * np;
                if (n > 4) f4 = kf + 4 * np;
                if (n > 5) f5 = kf + 5 * np;
                if (n > 6) f6 = kf + 6 * np;
                if (n > 7) f7 = kf + 7 * np;
            }
            uint rises = 0;
            for (int r = 0; r < rows; r++)
            {
                float* qr = qh + r * headDim;
                var simd = np == 0 ? default
                    : shared ? ReduceTransposed(SimdPart(qr, f0, np), SimdPart(qr, f1, np), SimdPart(qr, f2, np), SimdPart(qr, f3, np),
                        SimdPart(qr, f4, np), SimdPart(qr, f5, np), SimdPart(qr, f6, np), SimdPart(qr, f7, np))
                    : ReduceTransposed(SimdPart(qr, k, np), SimdPart(qr, k1, np), SimdPart(qr, k2, np), SimdPart(qr, k3, np),
                        SimdPart(qr, k4, np), SimdPart(qr, k5, np), SimdPart(qr, k6, np), SimdPart(qr, k7, np));
                var scores = Dots(simd, np > 0, qd + r * 24, kd, tail) * vscale;
                if (softcap != 0) scores = vcap * Tanh(scores);
                var visible = Vector256.LessThan(lane, Vector256.Create(count + r * countStep - b)).AsSingle();
                scores = Vector256.ConditionalSelect(visible, scores, Vector256.Create(float.NegativeInfinity));
                // The running maximum before each position: a position above it rescales by e^(before - s) and
                // weighs 1, any other weighs e^(s - before). Either way the factor is e^(min - max) of the two.
                var inclusive = PrefixMax(scores);
                var before = Vector256.MaxNative(ShiftUp(inclusive, 1), maxima[r]);
                maxima[r] = Vector256.MaxNative(Avx2.PermuteVar8x32(inclusive, Vector256.Create(7)), maxima[r]);
                var rise = Vector256.GreaterThan(scores, before);
                var e = VectorExp.Exp(Vector256.MinNative(scores, before) - Vector256.MaxNative(scores, before));
                Vector256.Store(Vector256.ConditionalSelect(rise, e, Vector256<float>.One), rescales + r * Block);
                Vector256.Store(Vector256.ConditionalSelect(rise, Vector256<float>.One, e & visible), weights + r * Block);
                rises |= rise.ExtractMostSignificantBits();
            }

            // A position with a new maximum (for any row) first rescales what was accumulated (by 1, exactly, for
            // the other rows); then every row adds its weighted value (weight 1 at its own new maximum).
            Half* v8 = values + b * stride;
            if (headDim == 8 && rows == 1)
            {
                for (int j = 0; j < n; j++, v8 += stride)
                {
                    if ((rises & (1u << j)) != 0)
                    {
                        a0 = RoundToHalfAccumulator(a0 * Vector256.Create(rescales[j]));
                        s0 *= rescales[j];
                    }
                    a0 = RoundToHalfAccumulator(Vector256.FusedMultiplyAdd(HalfScaled(v8), Vector256.Create(weights[j] * Up), a0));
                    s0 += weights[j];
                }
            }
            else if (headDim == 8)
            {
                for (int j = 0; j < n; j++, v8 += stride)
                {
                    float* m = rescales + j, w = weights + j;
                    if ((rises & (1u << j)) != 0)
                    {
                        a0 = RoundToHalfAccumulator(a0 * Vector256.Create(m[0]));
                        a1 = RoundToHalfAccumulator(a1 * Vector256.Create(m[Block]));
                        a2 = RoundToHalfAccumulator(a2 * Vector256.Create(m[2 * Block]));
                        a3 = RoundToHalfAccumulator(a3 * Vector256.Create(m[3 * Block]));
                        s0 *= m[0];
                        s1 *= m[Block];
                        s2 *= m[2 * Block];
                        s3 *= m[3 * Block];
                    }
                    var vv = HalfScaled(v8);
                    a0 = RoundToHalfAccumulator(Vector256.FusedMultiplyAdd(vv, Vector256.Create(w[0] * Up), a0));
                    a1 = RoundToHalfAccumulator(Vector256.FusedMultiplyAdd(vv, Vector256.Create(w[Block] * Up), a1));
                    a2 = RoundToHalfAccumulator(Vector256.FusedMultiplyAdd(vv, Vector256.Create(w[2 * Block] * Up), a2));
                    a3 = RoundToHalfAccumulator(Vector256.FusedMultiplyAdd(vv, Vector256.Create(w[3 * Block] * Up), a3));
                    s0 += w[0];
                    s1 += w[Block];
                    s2 += w[2 * Block];
                    s3 += w[3 * Block];
                }
            }
            else
            {
                for (int j = 0; j < n; j++, v8 += stride)
                {
                    if (shared)
                        for (int i = 0; i < headDim; i += 8) Vector256.Store(HalfScaled(v8 + i), vf + i);
                    for (int r = 0; r < rows; r++)
                    {
                        float* ar = acc + r * headDim;
                        if ((rises & (1u << j)) != 0)
                        {
                            float m = rescales[r * Block + j];
                            var vm = Vector256.Create(m);
                            for (int i = 0; i < headDim; i += 8)
                                Vector256.Store(RoundToHalfAccumulator(Vector256.Load(ar + i) * vm), ar + i);
                            sums[r] *= m;
                        }
                        float w = weights[r * Block + j];
                        var vw = Vector256.Create(w * Up);
                        if (shared)
                            for (int i = 0; i < headDim; i += 8)
                                Vector256.Store(RoundToHalfAccumulator(Vector256.FusedMultiplyAdd(Vector256.Load(vf + i), vw, Vector256.Load(ar + i))), ar + i);
                        else
                            for (int i = 0; i < headDim; i += 8)
                                Vector256.Store(RoundToHalfAccumulator(Vector256.FusedMultiplyAdd(HalfScaled(v8 + i), vw, Vector256.Load(ar + i))), ar + i);
                        sums[r] += w;
                    }
                }
            }
        }
        if (headDim == 8)
        {
            Vector256.Store(a0, acc);
            sums[0] = s0;
            if (rows > 1) { Vector256.Store(a1, acc + 8); sums[1] = s1; }
            if (rows > 2) { Vector256.Store(a2, acc + 16); sums[2] = s2; }
            if (rows > 3) { Vector256.Store(a3, acc + 24); sums[3] = s3; }
        }
        for (int r = 0; r < rows; r++)
        {
            var inverse = Vector256.Create(1f / sums[r]);
            for (int i = 0; i < headDim; i += 8)
                Vector256.Store(Vector256.Load(acc + r * headDim + i) * inverse, output + r * outStride + i);
        }
    }

    /// <summary>Lane i gets the largest of lanes 0..i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> PrefixMax(Vector256<float> x)
    {
        x = Vector256.MaxNative(x, ShiftUp(x, 1));
        x = Vector256.MaxNative(x, ShiftUp(x, 2));
        return Vector256.MaxNative(x, ShiftUp(x, 4));
    }

    /// <summary>tanh(x) = 1 - 2 / (e^2x + 1), which saturates cleanly at +-1 for large |x|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Tanh(Vector256<float> x)
    {
        var e = VectorExp.Exp(Vector256.MinNative(x + x, Vector256.Create(80f)));
        return Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
    }

    /// <summary>Lane i gets lane i - by (by = 1, 2 or 4), the first <paramref name="by"/> lanes -infinity.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> ShiftUp(Vector256<float> x, int by)
    {
        var index = by == 1 ? Vector256.Create(0, 0, 1, 2, 3, 4, 5, 6) : by == 2 ? Vector256.Create(0, 0, 0, 1, 2, 3, 4, 5) : Vector256.Create(0, 0, 0, 0, 0, 1, 2, 3);
        var kept = by == 1 ? Vector256.Create(0, -1, -1, -1, -1, -1, -1, -1) : by == 2 ? Vector256.Create(0, 0, -1, -1, -1, -1, -1, -1) : Vector256.Create(0, 0, 0, 0, -1, -1, -1, -1);
        return Vector256.ConditionalSelect(kept.AsSingle(), Avx2.PermuteVar8x32(x, index), Vector256.Create(float.NegativeInfinity));
    }

    /// <summary>The scalar reference of <see cref="Head"/>, with .NET's own <see cref="Half"/> conversions.</summary>
    public static void HeadScalar(float* q, Half* keys, Half* values, long stride, int count, int headDim, float scale,
        float* output, float softcap = 0)
    {
        if (softcap != 0) scale /= softcap;
        Span<float> qh = stackalloc float[headDim]; // (allocation-free: also the path of CPUs without AVX2)
        Span<float> acc = stackalloc float[headDim];
        acc.Clear();
        for (int i = 0; i < headDim; i++) qh[i] = (float)(Half)q[i];
        float sum = 0, max = float.NegativeInfinity;
        for (int t = 0; t < count; t++)
        {
            double dot = 0;
            for (int i = 0; i < headDim; i++) dot += qh[i] * (double)(float)keys[t * stride + i];
            float s = (float)dot * scale;
            if (softcap != 0) s = softcap * MathF.Tanh(s);
            float vs = 1;
            if (s > max)
            {
                float ms = (float)Math.Exp(max - s);
                max = s;
                sum *= ms;
                for (int i = 0; i < headDim; i++) acc[i] = (float)(Half)(acc[i] * ms);
            }
            else vs = (float)Math.Exp(s - max);
            for (int i = 0; i < headDim; i++) acc[i] = (float)(Half)MathF.FusedMultiplyAdd((float)values[t * stride + i], vs, acc[i]);
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
    /// Converts n floats to F16 (round to nearest, ties to even; beyond F16's range infinity), what ggml's F16 cache
    /// stores: <see cref="RoundToHalf(Vector256{float})"/>, then the rounded float (an F16 value) scaled by 2^-112,
    /// which moves F16's exponent bias into float's so that its upper bits are the F16's (subnormals included).
    /// </summary>
    public static void ToHalf(float* x, Half* y, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16)
                Vector256.Store(Vector256.Narrow(HalfBits(Vector256.Load(x + i)), HalfBits(Vector256.Load(x + i + 8))), (ushort*)(y + i));
        for (; i < n; i++) y[i] = (Half)x[i];
    }

    /// <summary>Eight floats' F16 bit patterns, one per 32-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<uint> HalfBits(Vector256<float> x)
    {
        var r = RoundToHalf(x);
        // past F16's largest value (65504) the conversion gives infinity; NaN stays NaN (the comparison is false)
        r = Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Abs(r), Vector256.Create(65504f)),
            Vector256.Create(float.PositiveInfinity) | (r & Vector256.Create(-0f)), r);
        var u = (r * Vector256.Create(0x07800000u).AsSingle()).AsUInt32(); // x 2^-112: exact, also into float subnormals
        return (Vector256.ShiftRightLogical(u, 13) & Vector256.Create(0x7FFFu)) | (Vector256.ShiftRightLogical(u, 16) & Vector256.Create(0x8000u));
    }

    /// <summary>2^112: F16's exponent bias rebased onto float's (127 - 15).</summary>
    internal const float Up = 5.192296858534828e33f;

    /// <summary>
    /// Eight F16s as floats scaled by 2^-112 (exactly, finite F16s; 3 operations): sign-extended and shifted so that
    /// the F16's exponent and mantissa sit in float's bits 13..27, the sign in bit 31. Read with the other factor
    /// scaled by <see cref="Up"/>, a product is the F16's own; F16 subnormals become float subnormals, which AVX
    /// multiplies exactly (.NET does not flush them). Infinities and NaN come out finite: the cache never holds
    /// them unless the model has already overflowed F16.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> HalfScaled(Half* h) =>
        (Vector256.ShiftLeft(Avx2.ConvertToVector256Int32((short*)h), 13) & Vector256.Create(unchecked((int)0x8FFFFFFF))).AsSingle();

    /// <summary>
    /// Float to F16 precision without leaving float: adding and subtracting C = 1.5 x 2^(e+13), where 2^e is x's
    /// binade (at least 2^-14, where F16 subnormals begin), rounds x to a multiple of C's ulp 2^(e-10), F16's
    /// spacing there, ties to even (C is an even multiple of it); the sign goes back on for results that round to
    /// zero. Magnitudes beyond the F16 range (65504) are not expected here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> RoundToHalf(Vector256<float> x)
    {
        var u = x.AsUInt32();
        var binade = Vector256.Max(u & Vector256.Create(0x7F800000u), Vector256.Create(113u << 23)); // 2^e, e >= -14
        var c = (binade + Vector256.Create((13u << 23) | 0x00400000u)).AsSingle(); // 1.5 x 2^(e+13)
        return (((x + c) - c).AsUInt32() | (u & Vector256.Create(0x80000000u))).AsSingle();
    }

    /// <summary>
    /// <see cref="RoundToHalf(Vector256{float})"/> except that results rounding to zero are +0 whatever x's sign
    /// (two operations fewer): for the attention accumulators, where the sign of a zero changes nothing downstream.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> RoundToHalfAccumulator(Vector256<float> x)
    {
        var binade = Vector256.Max(x.AsUInt32() & Vector256.Create(0x7F800000u), Vector256.Create(113u << 23));
        var c = (binade + Vector256.Create((13u << 23) | 0x00400000u)).AsSingle();
        return (x + c) - c;
    }

    /// <summary>
    /// The dot products of q with eight key rows, each as ggml's AVX F16 dot forms it (the F16 x F16 products are
    /// exact in float): the first np (headDim &amp; ~31) elements in four 8-lane float FMA accumulators reduced as
    /// GGML_F32x8_REDUCE does (<paramref name="simd"/>, from <see cref="SimdPart"/> and <see cref="ReduceTransposed"/>),
    /// then the remaining <paramref name="tail"/> products added one by one in double (exact there too), rounded to
    /// float once at the end. <paramref name="qd"/> holds q's tail widened; <paramref name="kd"/> the keys' tails from
    /// <see cref="TransposeWiden"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Dots(Vector256<float> simd, bool hasSimd, double* qd, double* kd, int tail)
    {
        var lo = Vector256<double>.Zero;
        var hi = Vector256<double>.Zero;
        if (hasSimd) (lo, hi) = Vector256.Widen(simd);
        for (int d = 0; d < tail; d++, kd += 8)
        {
            var qv = Vector256.Create(qd[d]);
            lo = Vector256.FusedMultiplyAdd(qv, Vector256.Load(kd), lo);
            hi = Vector256.FusedMultiplyAdd(qv, Vector256.Load(kd + 4), hi);
        }
        return Vector256.Narrow(lo, hi);
    }

    /// <summary>
    /// Eight F16s (in <see cref="HalfScaled"/>'s form) from each of eight rows, transposed and widened: element d of
    /// row j goes to kd[d * 8 + j].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void TransposeWiden(Half* r0, Half* r1, Half* r2, Half* r3, Half* r4, Half* r5, Half* r6, Half* r7, double* kd)
    {
        Vector256<float> a0 = HalfScaled(r0), a1 = HalfScaled(r1), a2 = HalfScaled(r2), a3 = HalfScaled(r3),
            a4 = HalfScaled(r4), a5 = HalfScaled(r5), a6 = HalfScaled(r6), a7 = HalfScaled(r7);
        Transpose8(ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
        Store(a0, kd);
        Store(a1, kd + 8);
        Store(a2, kd + 16);
        Store(a3, kd + 24);
        Store(a4, kd + 32);
        Store(a5, kd + 40);
        Store(a6, kd + 48);
        Store(a7, kd + 56);
    }

    /// <summary>An 8 x 8 transpose in registers: afterwards a_i holds element i of the eight rows given, row j in lane j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8(ref Vector256<float> a0, ref Vector256<float> a1, ref Vector256<float> a2, ref Vector256<float> a3,
        ref Vector256<float> a4, ref Vector256<float> a5, ref Vector256<float> a6, ref Vector256<float> a7)
    {
        var t0 = Avx.UnpackLow(a0, a1); var t1 = Avx.UnpackHigh(a0, a1);
        var t2 = Avx.UnpackLow(a2, a3); var t3 = Avx.UnpackHigh(a2, a3);
        var t4 = Avx.UnpackLow(a4, a5); var t5 = Avx.UnpackHigh(a4, a5);
        var t6 = Avx.UnpackLow(a6, a7); var t7 = Avx.UnpackHigh(a6, a7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        a0 = Avx.Permute2x128(u0, u4, 0x20);
        a1 = Avx.Permute2x128(u1, u5, 0x20);
        a2 = Avx.Permute2x128(u2, u6, 0x20);
        a3 = Avx.Permute2x128(u3, u7, 0x20);
        a4 = Avx.Permute2x128(u0, u4, 0x31);
        a5 = Avx.Permute2x128(u1, u5, 0x31);
        a6 = Avx.Permute2x128(u2, u6, 0x31);
        a7 = Avx.Permute2x128(u3, u7, 0x31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(Vector256<float> column, double* to)
    {
        var (lo, hi) = Vector256.Widen(column);
        Vector256.Store(lo, to);
        Vector256.Store(hi, to + 4);
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

    /// <summary><see cref="SimdPart(float*, float*, int)"/> over F16 keys, widened as it goes (<see cref="HalfScaled"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> SimdPart(float* q, Half* k, int np)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int i = 0; i < np; i += 32)
        {
            a0 = Vector256.FusedMultiplyAdd(Vector256.Load(q + i), HalfScaled(k + i), a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.Load(q + i + 8), HalfScaled(k + i + 8), a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.Load(q + i + 16), HalfScaled(k + i + 16), a2);
            a3 = Vector256.FusedMultiplyAdd(Vector256.Load(q + i + 24), HalfScaled(k + i + 24), a3);
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

}
