namespace Hearth.Engine.Kernels;

/// <summary>
/// Rotary position embedding, computed the way ggml_rope_ext does, to the bit: theta advanced by repeated
/// multiplication in float, cos and sin from the C library's cosf and sinf (<see cref="MathF.Cos"/>), and each
/// rotation as the FMAs that llama.cpp's x86-64 build (GCC, which contracts a*b +- c*d) makes of ggml's
/// x0*cos - x1*sin and x0*sin + x1*cos. Checked against llama.cpp's own Q and K after RoPE (dumped through its
/// eval callback) for qwen2 and llama: every element equal; with plain multiplies ~1 ulp differed in most rows,
/// enough to flip an 8-bit activation step now and then. Pair i (of ropeDim/2) is rotated by pos * base^(-2i/ropeDim)
/// * freqScale / freqFactor[i]. Normal (llama) ordering rotates elements (2i, 2i+1); NeoX ordering (qwen2, ...)
/// rotates (i, i + ropeDim/2). Elements from ropeDim to the head size pass through.
/// </summary>
internal static unsafe class Rope
{
    /// <summary>
    /// Fills cache[2i] = cos, cache[2i+1] = sin of every pair's angle at <paramref name="pos"/>, both times
    /// <paramref name="magnitude"/> (ggml's mscale: LongRoPE's attention factor; 1 otherwise).
    /// </summary>
    public static void Angles(int pos, float freqBase, float freqScale, float* freqFactors, int ropeDim, float* cache, float magnitude = 1f)
    {
        float thetaScale = MathF.Pow(freqBase, -2.0f / ropeDim);
        float theta = pos;
        for (int i0 = 0; i0 < ropeDim; i0 += 2)
        {
            float ff = freqFactors != null ? freqFactors[i0 / 2] : 1f;
            float angle = freqScale * (theta / ff);
            cache[i0] = MathF.Cos(angle) * magnitude;
            cache[i0 + 1] = MathF.Sin(angle) * magnitude;
            theta *= thetaScale;
        }
    }

    /// <summary>Rotates one head in place with angles from <see cref="Angles"/>.</summary>
    public static void Apply(float* head, float* cache, int ropeDim, bool neox)
    {
        int half = ropeDim / 2;
        for (int i = 0; i < half; i++)
        {
            float cos = cache[2 * i], sin = cache[2 * i + 1];
            int a = neox ? i : 2 * i;
            int b = neox ? i + half : 2 * i + 1;
            float x0 = head[a], x1 = head[b];
            head[a] = MathF.FusedMultiplyAdd(x0, cos, -(x1 * sin));
            head[b] = MathF.FusedMultiplyAdd(x0, sin, x1 * cos);
        }
    }
}
