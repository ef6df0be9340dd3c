using System.Runtime.Intrinsics;

namespace Hearth.Engine.Kernels;

/// <summary>
/// The SwiGLU gate of the feed-forward block: gate = silu(gate) * up, with silu(x) = x / (1 + e^-x), as ggml's
/// ggml_vec_swiglu_f32 computes it: eight at a time with ggml_v_expf (<see cref="VectorExp.GgmlExp(Vector256{float})"/>),
/// the rest with expf. (With another vector exp, a last-bit difference now and then flipped an 8-bit step of the
/// down projection's input.)
/// </summary>
internal static unsafe class SwiGlu
{
    public static void Apply(float* gate, float* up, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var g = Vector256.Load(gate + i);
                var silu = g / (Vector256<float>.One + VectorExp.GgmlExp(Vector256<float>.Zero - g));
                Vector256.Store(silu * Vector256.Load(up + i), gate + i);
            }
        }
        for (; i < n; i++) gate[i] = gate[i] / (1f + MathF.Exp(-gate[i])) * up[i];
    }

    public static void ApplyScalar(float* gate, float* up, int n)
    {
        for (int i = 0; i < n; i++) gate[i] = gate[i] / (1f + MathF.Exp(-gate[i])) * up[i];
    }
}
