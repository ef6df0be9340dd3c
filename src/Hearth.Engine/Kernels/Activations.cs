using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Engine.Gguf;

namespace Hearth.Engine.Kernels;

/// <summary>
/// Converts activation rows to a weight's vec-dot type. The SIMD versions write exactly the bytes the scalar
/// reference writes (tested), so every kernel sees the same integers.
/// </summary>
internal static unsafe class Activations
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Convert(GgmlType vecDotType, float* x, byte* y, int cols)
    {
        if (Avx2.IsSupported)
        {
            if (vecDotType == GgmlType.Q8_0) { Q8_0Avx2(x, y, cols); return; }
            if (vecDotType == GgmlType.Q8_K) { Q8KAvx2(x, y, cols); return; }
        }
        DotKernels.QuantizeActivationsScalar(vecDotType, x, y, cols);
    }

    static readonly Vector256<int> PackOrder = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);

    /// <summary>Four vectors of 8 int32 (each in [-128, 127]) to 32 bytes in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<sbyte> PackBytes(Vector256<int> i0, Vector256<int> i1, Vector256<int> i2, Vector256<int> i3)
    {
        var s01 = Avx2.PackSignedSaturate(i0, i1);
        var s23 = Avx2.PackSignedSaturate(i2, i3);
        var b = Avx2.PackSignedSaturate(s01, s23);
        return Avx2.PermuteVar8x32(b.AsInt32(), PackOrder).AsSByte();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Abs(Vector256<float> v) => Avx.AndNot(Vector256.Create(-0f), v);

    /// <summary>ggml-cpu's AVX2 quantize_row_q8_0 (what the scalar QuantizeActivations mirrors), written in the
    /// activation layout with a float scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q8_0Avx2(float* x, byte* y, int cols)
    {
        for (int b = 0; b < cols / 32; b++, x += 32, y += Q8_0.ActBlockBytes)
        {
            var v0 = Avx.LoadVector256(x);
            var v1 = Avx.LoadVector256(x + 8);
            var v2 = Avx.LoadVector256(x + 16);
            var v3 = Avx.LoadVector256(x + 24);
            var max = Avx.Max(Avx.Max(Abs(v0), Abs(v1)), Avx.Max(Abs(v2), Abs(v3)));
            float amax = MaxLanes(max);
            *(float*)y = Fp16.ToFloatFast(Fp16.FromFloat(amax / 127f));
            var id = Vector256.Create(amax != 0 ? 127f / amax : 0f);
            var i0 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(v0, id)));
            var i1 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(v1, id)));
            var i2 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(v2, id)));
            var i3 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(v3, id)));
            Avx.Store((sbyte*)(y + Q8_0.ActQsOffset), PackBytes(i0, i1, i2, i3));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float MaxLanes(Vector256<float> v)
    {
        var m = Sse.Max(v.GetLower(), v.GetUpper());
        m = Sse.Max(m, Sse.MoveHighToLow(m, m));
        m = Sse.MaxScalar(m, Sse3.MoveHighAndDuplicate(m));
        return m.ToScalar();
    }

    /// <summary>quantize_row_q8_K_ref vectorized: the signed value of largest magnitude sets iscale = -127/max.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q8KAvx2(float* x, byte* y, int cols)
    {
        for (int b = 0; b < cols / 256; b++, x += 256, y += Q8K.BlockBytes)
        {
            var vmax = Vector256<float>.Zero;
            for (int j = 0; j < 256; j += 8) vmax = Avx.Max(vmax, Abs(Avx.LoadVector256(x + j)));
            float amax = MaxLanes(vmax);
            if (amax == 0)
            {
                new Span<byte>(y, Q8K.BlockBytes).Clear();
                continue;
            }
            // the first element whose magnitude is amax gives the sign, as the scalar scan does
            float max = 0;
            for (int j = 0; j < 256; j++)
                if (MathF.Abs(x[j]) == amax) { max = x[j]; break; }
            float iscale = -127f / max;
            var vs = Vector256.Create(iscale);
            var limit = Vector256.Create(127);
            sbyte* q = (sbyte*)(y + Q8K.QsOffset);
            short* bsums = (short*)(y + Q8K.BsumsOffset);
            for (int j = 0; j < 256; j += 32)
            {
                var i0 = Avx2.Min(Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(vs, Avx.LoadVector256(x + j)))), limit);
                var i1 = Avx2.Min(Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(vs, Avx.LoadVector256(x + j + 8)))), limit);
                var i2 = Avx2.Min(Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(vs, Avx.LoadVector256(x + j + 16)))), limit);
                var i3 = Avx2.Min(Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(vs, Avx.LoadVector256(x + j + 24)))), limit);
                Avx.Store(q + j, PackBytes(i0, i1, i2, i3));
                bsums[j / 16] = (short)Vector256.Sum(Avx2.Add(i0, i1));
                bsums[j / 16 + 1] = (short)Vector256.Sum(Avx2.Add(i2, i3));
            }
            *(float*)y = 1 / iscale;
        }
    }
}
