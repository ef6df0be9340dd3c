using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
    /// <summary>
    /// <paramref name="scratch"/> holds 2 x headDim floats. headDim must be a multiple of 8 for the vector path;
    /// other sizes take <see cref="HeadScalar"/>. A <paramref name="softcap"/> other than 0 bends every score to
    /// softcap * tanh(score / softcap) (gemma2), folded into the scale as ggml does.
    /// </summary>
    public static void Head(float* q, float* keys, float* values, long stride, int count, int headDim, float scale,
        float* scratch, float* output, float softcap = 0)
    {
        if (!Vector256.IsHardwareAccelerated || headDim % 8 != 0)
        {
            HeadScalar(q, keys, values, stride, count, headDim, scale, output, softcap);
            return;
        }
        if (softcap != 0) scale /= softcap;
        float* qh = scratch, acc = scratch + headDim;
        for (int i = 0; i < headDim; i += 8)
        {
            Vector256.Store(RoundToHalf(Vector256.Load(q + i)), qh + i);
            Vector256.Store(Vector256<float>.Zero, acc + i);
        }
        float sum = 0, max = float.NegativeInfinity;
        for (int t = 0; t < count; t++)
        {
            float s = Dot(qh, keys + t * stride, headDim) * scale;
            if (softcap != 0) s = softcap * MathF.Tanh(s);
            float vs = 1;
            if (s > max)
            {
                // A new maximum: rescale what was accumulated so far.
                float ms = (float)Math.Exp(max - s);
                max = s;
                sum *= ms;
                var vms = Vector256.Create(ms);
                for (int i = 0; i < headDim; i += 8) Vector256.Store(RoundToHalf(Vector256.Load(acc + i) * vms), acc + i);
            }
            else vs = (float)Math.Exp(s - max);
            var vvs = Vector256.Create(vs);
            float* v = values + t * stride;
            for (int i = 0; i < headDim; i += 8)
                Vector256.Store(RoundToHalf(Vector256.FusedMultiplyAdd(Vector256.Load(v + i), vvs, Vector256.Load(acc + i))), acc + i);
            sum += vs;
        }
        var inverse = Vector256.Create(1f / sum);
        for (int i = 0; i < headDim; i += 8) Vector256.Store(Vector256.Load(acc + i) * inverse, output + i);
    }

    /// <summary>The scalar reference of <see cref="Head"/>, with .NET's own <see cref="Half"/> conversions.</summary>
    public static void HeadScalar(float* q, float* keys, float* values, long stride, int count, int headDim, float scale,
        float* output, float softcap = 0)
    {
        if (softcap != 0) scale /= softcap;
        var qh = new float[headDim];
        var acc = new float[headDim];
        for (int i = 0; i < headDim; i++) qh[i] = (float)(Half)q[i];
        float sum = 0, max = float.NegativeInfinity;
        for (int t = 0; t < count; t++)
        {
            double dot = 0;
            for (int i = 0; i < headDim; i++) dot += qh[i] * (double)keys[t * stride + i];
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

    /// <summary>q . k with the products (exact for F16 inputs) summed in double, as ggml's F16 dot rounds once at the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Dot(float* a, float* b, int n)
    {
        var acc0 = Vector256<double>.Zero;
        var acc1 = Vector256<double>.Zero;
        for (int i = 0; i < n; i += 8)
        {
            var p = Vector256.Load(a + i) * Vector256.Load(b + i);
            var (lo, hi) = Vector256.Widen(p);
            acc0 += lo;
            acc1 += hi;
        }
        return (float)Vector256.Sum(acc0 + acc1);
    }
}
