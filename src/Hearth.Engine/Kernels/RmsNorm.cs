using System.Runtime.Intrinsics;

namespace Hearth.Engine.Kernels;

/// <summary>y = x / sqrt(mean(x^2) + eps) * weight, as ggml_rms_norm followed by ggml_mul.</summary>
internal static unsafe class RmsNorm
{
    public static void Apply(float* x, float* weight, float* y, int n, float eps)
    {
        float scale = 1f / MathF.Sqrt(MeanOfSquares(x, n) + eps);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(scale);
            for (; i <= n - 8; i += 8)
                Vector256.Store(Vector256.Load(x + i) * s * Vector256.Load(weight + i), y + i);
        }
        for (; i < n; i++) y[i] = x[i] * scale * weight[i];
    }

    /// <summary>The scalar reference (ggml sums the squares in double).</summary>
    public static void ApplyScalar(float* x, float* weight, float* y, int n, float eps)
    {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += x[i] * x[i];
        float scale = 1f / MathF.Sqrt((float)(sum / n) + eps);
        for (int i = 0; i < n; i++) y[i] = x[i] * scale * weight[i];
    }

    /// <summary>
    /// The squares (each rounded to float, as ggml forms them) summed in double, divided by n in double and rounded
    /// to float once: ggml's mean. ggml adds one after another; four double lanes per accumulator give the same float
    /// mean except when the double sum sits within 2^-29 of a float rounding boundary. (Float accumulators, used
    /// before, could move the mean's last bit.)
    /// </summary>
    static float MeanOfSquares(float* x, int n)
    {
        int i = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc0 = Vector256<double>.Zero;
            var acc1 = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var a = Vector256.Load(x + i);
                var (lo, hi) = Vector256.Widen(a * a);
                acc0 += lo;
                acc1 += hi;
            }
            sum = Vector256.Sum(acc0 + acc1);
        }
        for (; i < n; i++) sum += x[i] * x[i];
        return (float)(sum / n);
    }
}
