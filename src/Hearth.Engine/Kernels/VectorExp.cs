using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hearth.Engine.Kernels;

/// <summary>
/// e^x for eight floats at once (Cephes expf: range reduction by ln 2, degree-6 polynomial, exponent bits),
/// within 2 ulp of <see cref="MathF.Exp(float)"/>, its scalar reference. Inputs are clamped to [-87.33, 88]: below
/// gives ~1e-38 rather than 0, above gives e^88 (softmax and SiLU never need more).
/// </summary>
internal static class VectorExp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-87.33f)), Vector256.Create(88.0f));
        var n = Vector256.Round(x * Vector256.Create(1.44269504088896341f));
        // x - n*ln2 in two parts so the reduction stays exact.
        var r = x - n * Vector256.Create(0.693359375f) - n * Vector256.Create(-2.12194440e-4f);
        var p = Vector256.Create(1.9875691500e-4f);
        p = p * r + Vector256.Create(1.3981999507e-3f);
        p = p * r + Vector256.Create(8.3334519073e-3f);
        p = p * r + Vector256.Create(4.1665795894e-2f);
        p = p * r + Vector256.Create(1.6666665459e-1f);
        p = p * r + Vector256.Create(5.0000001201e-1f);
        p = p * (r * r) + r + Vector256<float>.One;
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(127), 23).AsSingle();
        return p * scale;
    }

    /// <summary>
    /// ggml's own vector e^x (ggml_v_expf, AVX2), operation for operation and with its constants (written in decimal: C# has no hex floats), so results are its bits: llama.cpp's tiled
    /// flash attention takes its softmax weights from it. Exact at the ends: e^-inf is 0, large inputs overflow to
    /// infinity.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GgmlExp(Vector256<float> x)
    {
        var r = Vector256.Create(12582912f);
        var z = Vector256.FusedMultiplyAdd(x, Vector256.Create(1.442695f), r);
        var n = z - r;
        var b = Vector256.FusedMultiplyAdd(-n, Vector256.Create(1.4286068e-06f), Vector256.FusedMultiplyAdd(-n, Vector256.Create(0.69314575f), x));
        var e = Vector256.ShiftLeft(z.AsUInt32(), 23);
        var k = (e + Vector256.Create(1f).AsUInt32()).AsSingle();
        var c = Vector256.GreaterThan(Vector256.Abs(n), Vector256.Create(126f));
        var u = b * b;
        var j = Vector256.FusedMultiplyAdd(
            Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.Create(0.00824739f), b, Vector256.Create(0.041899767f)), u,
                Vector256.FusedMultiplyAdd(Vector256.Create(0.16668396f), b, Vector256.Create(0.49999127f))),
            u, Vector256.Create(0.9999994f) * b);
        if (c.ExtractMostSignificantBits() == 0) return Vector256.FusedMultiplyAdd(j, k, k);
        var g = Vector256.LessThanOrEqual(n, Vector256<float>.Zero).AsUInt32() & Vector256.Create(0x82000000u);
        var s1 = (g + Vector256.Create(0x7f000000u)).AsSingle();
        var s2 = (e - g).AsSingle();
        var d = Vector256.GreaterThan(Vector256.Abs(n), Vector256.Create(192f));
        return (d & (s1 * s1)) | Vector256.AndNot(c & (Vector256.FusedMultiplyAdd(s2, j, s2) * s1) | Vector256.AndNot(Vector256.FusedMultiplyAdd(k, j, k), c), d);
    }

    /// <summary><see cref="GgmlExp(Vector256{float})"/> for one value, the same operations: the scalar reference.</summary>
    public static float GgmlExp(float x)
    {
        const float r = 12582912f;
        float z = MathF.FusedMultiplyAdd(x, 1.442695f, r);
        float n = z - r;
        float b = MathF.FusedMultiplyAdd(-n, 1.4286068e-06f, MathF.FusedMultiplyAdd(-n, 0.69314575f, x));
        uint e = BitConverter.SingleToUInt32Bits(z) << 23;
        float k = BitConverter.UInt32BitsToSingle(e + BitConverter.SingleToUInt32Bits(1f));
        bool c = MathF.Abs(n) > 126f;
        float u = b * b;
        float j = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(0.00824739f, b, 0.041899767f), u,
            MathF.FusedMultiplyAdd(0.16668396f, b, 0.49999127f)), u, 0.9999994f * b);
        if (!c) return MathF.FusedMultiplyAdd(j, k, k);
        uint g = n <= 0 ? 0x82000000u : 0u;
        float s1 = BitConverter.UInt32BitsToSingle(g + 0x7f000000u);
        float s2 = BitConverter.UInt32BitsToSingle(e - g);
        if (MathF.Abs(n) > 192f) return s1 * s1;
        return MathF.FusedMultiplyAdd(s2, j, s2) * s1;
    }
}
