namespace Hearth.Engine.Kernels;

/// <summary>
/// block_q4_0: fp16 scale d, then 16 bytes of nibbles; element j is the low nibble of byte j, element j+16 the high
/// nibble; x = d * (q - 8).
/// </summary>
internal static unsafe class Q4_0
{
    public const int BlockSize = 32;
    public const int BlockBytes = 18;

    /// <summary>quantize_row_q4_0_ref: d = (signed value of largest magnitude) / -8, q = min(15, trunc(x/d + 8.5)).</summary>
    public static void Quantize(float* x, byte* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockSize, y += BlockBytes)
        {
            float amax = 0, max = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                if (amax < MathF.Abs(x[j])) { amax = MathF.Abs(x[j]); max = x[j]; }
            }
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            *(ushort*)y = Fp16.FromFloat(d);
            for (int j = 0; j < BlockSize / 2; j++)
            {
                int lo = Math.Min(15, (int)(sbyte)(x[j] * id + 8.5f));
                int hi = Math.Min(15, (int)(sbyte)(x[j + BlockSize / 2] * id + 8.5f));
                y[2 + j] = (byte)(lo | (hi << 4));
            }
        }
    }

    public static void Dequantize(byte* x, float* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockBytes, y += BlockSize)
        {
            float d = Fp16.ToFloat(*(ushort*)x);
            for (int j = 0; j < BlockSize / 2; j++)
            {
                y[j] = d * ((x[2 + j] & 0xF) - 8);
                y[j + BlockSize / 2] = d * ((x[2 + j] >> 4) - 8);
            }
        }
    }

    /// <summary>Q4_0 weights . Q8_0 activations (ggml_vec_dot_q4_0_q8_0).</summary>
    public static float DotScalar(byte* w, byte* a, int count)
    {
        float sum = 0;
        for (int b = 0; b < count / BlockSize; b++, w += BlockBytes, a += Q8_0.ActBlockBytes)
        {
            sbyte* qa = (sbyte*)(a + Q8_0.ActQsOffset);
            int isum = 0;
            for (int j = 0; j < BlockSize / 2; j++)
            {
                isum += ((w[2 + j] & 0xF) - 8) * qa[j];
                isum += ((w[2 + j] >> 4) - 8) * qa[j + BlockSize / 2];
            }
            sum += isum * (Fp16.ToFloat(*(ushort*)w) * *(float*)a);
        }
        return sum;
    }
}
