namespace Hearth.Engine.Kernels;

/// <summary>
/// block_q8_K: fp32 scale d, 256 signed bytes, then 16 int16 sums of each run of 16 bytes (bsums). The activation
/// format every K-quant weight is multiplied with; the bsums let a dot product fold in the weights' minimums.
/// </summary>
internal static unsafe class Q8K
{
    public const int BlockSize = 256;
    public const int BlockBytes = 292;
    public const int QsOffset = 4;
    public const int BsumsOffset = 260;

    /// <summary>quantize_row_q8_K_ref (what ggml-cpu uses on x86 too): iscale = -127/max, q = min(127, nearest_int(iscale*x)).</summary>
    public static void Quantize(float* x, byte* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockSize, y += BlockBytes)
        {
            float max = 0, amax = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                float ax = MathF.Abs(x[j]);
                if (ax > amax) { amax = ax; max = x[j]; }
            }
            sbyte* q = (sbyte*)(y + QsOffset);
            short* bsums = (short*)(y + BsumsOffset);
            if (amax == 0)
            {
                *(float*)y = 0;
                new Span<byte>(y + QsOffset, BlockSize + 32).Clear();
                continue;
            }
            float iscale = -127f / max;
            for (int j = 0; j < BlockSize; j++) q[j] = (sbyte)Math.Min(127, Fp16.NearestInt(iscale * x[j]));
            for (int g = 0; g < BlockSize / 16; g++)
            {
                int sum = 0;
                for (int j = 0; j < 16; j++) sum += q[g * 16 + j];
                bsums[g] = (short)sum;
            }
            *(float*)y = 1 / iscale;
        }
    }

    public static void Dequantize(byte* x, float* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockBytes, y += BlockSize)
        {
            float d = *(float*)x;
            sbyte* q = (sbyte*)(x + QsOffset);
            for (int j = 0; j < BlockSize; j++) y[j] = d * q[j];
        }
    }
}
