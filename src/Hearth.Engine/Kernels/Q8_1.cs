namespace Hearth.Engine.Kernels;

/// <summary>
/// block_q8_1: fp16 d, fp16 s (= d * sum of the quants), 32 signed bytes. The activation format for Q4_1 and Q5_1
/// weights; s folds their minimum into one multiply.
/// </summary>
internal static unsafe class Q8_1
{
    public const int BlockSize = 32;
    public const int BlockBytes = 36;

    /// <summary>quantize_row_q8_1_ref: like Q8_0 (halves away from zero) plus s.</summary>
    public static void Quantize(float* x, byte* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockSize, y += BlockBytes)
        {
            float amax = 0;
            for (int j = 0; j < BlockSize; j++) amax = MathF.Max(amax, MathF.Abs(x[j]));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            *(ushort*)y = Fp16.FromFloat(d);
            sbyte* q = (sbyte*)(y + 4);
            int sum = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                q[j] = (sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
                sum += q[j];
            }
            *(ushort*)(y + 2) = Fp16.FromFloat(sum * d);
        }
    }

    /// <summary>ggml-cpu's x86 quantize_row_q8_1 for activations: scale by 127/amax, round half to even.</summary>
    public static void QuantizeActivations(float* x, byte* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockSize, y += BlockBytes)
        {
            float amax = 0;
            for (int j = 0; j < BlockSize; j++) amax = MathF.Max(amax, MathF.Abs(x[j]));
            float d = amax / 127f;
            *(ushort*)y = Fp16.FromFloat(d);
            float id = amax != 0 ? 127f / amax : 0f;
            sbyte* q = (sbyte*)(y + 4);
            int sum = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                q[j] = (sbyte)MathF.Round(x[j] * id, MidpointRounding.ToEven);
                sum += q[j];
            }
            *(ushort*)(y + 2) = Fp16.FromFloat(d * sum);
        }
    }

    public static void Dequantize(byte* x, float* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockBytes, y += BlockSize)
        {
            float d = Fp16.ToFloat(*(ushort*)x);
            sbyte* q = (sbyte*)(x + 4);
            for (int j = 0; j < BlockSize; j++) y[j] = d * q[j];
        }
    }
}
