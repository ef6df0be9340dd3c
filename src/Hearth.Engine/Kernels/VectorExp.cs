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
}
