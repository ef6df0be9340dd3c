namespace Hearth.Engine.Kernels;

/// <summary>
/// block_q8_0: fp16 scale d, then 32 signed bytes; x = d * q. Also the activation format Q4_0 and Q8_0 weights
/// are multiplied with.
/// </summary>
internal static unsafe class Q8_0
{
    public const int BlockSize = 32;
    public const int BlockBytes = 34;

    /// <summary>
    /// Activations use the same quants with the scale widened to a float (the fp16-rounded value, so products are
    /// unchanged): 36-byte blocks, float d then 32 bytes. Kernels then read the scale with one load, no conversion.
    /// </summary>
    public const int ActBlockBytes = 36;
    public const int ActQsOffset = 4;

    /// <summary>quantize_row_q8_0_ref: d = amax/127, q = roundf(x/d) (halves away from zero). Used for files.</summary>
    public static void Quantize(float* x, byte* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockSize, y += BlockBytes)
        {
            float amax = 0;
            for (int j = 0; j < BlockSize; j++) amax = MathF.Max(amax, MathF.Abs(x[j]));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            *(ushort*)y = Fp16.FromFloat(d);
            sbyte* q = (sbyte*)(y + 2);
            for (int j = 0; j < BlockSize; j++) q[j] = (sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
        }
    }

    /// <summary>
    /// ggml-cpu's x86 quantize_row_q8_0, used on activations: scale by 127/amax and round half to even. This is
    /// what llama.cpp does on this hardware, so the integer dot products see the same bytes.
    /// </summary>
    public static void QuantizeActivations(float* x, byte* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockSize, y += ActBlockBytes)
        {
            float amax = 0;
            for (int j = 0; j < BlockSize; j++) amax = MathF.Max(amax, MathF.Abs(x[j]));
            *(float*)y = Fp16.ToFloat(Fp16.FromFloat(amax / 127f));
            float id = amax != 0 ? 127f / amax : 0f;
            sbyte* q = (sbyte*)(y + ActQsOffset);
            for (int j = 0; j < BlockSize; j++) q[j] = (sbyte)MathF.Round(x[j] * id, MidpointRounding.ToEven);
        }
    }

    public static void Dequantize(byte* x, float* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockBytes, y += BlockSize)
        {
            float d = Fp16.ToFloat(*(ushort*)x);
            sbyte* q = (sbyte*)(x + 2);
            for (int j = 0; j < BlockSize; j++) y[j] = d * q[j];
        }
    }

    /// <summary>Dequantizes activation blocks (float scale) written by QuantizeActivations.</summary>
    public static void DequantizeActivations(byte* x, float* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += ActBlockBytes, y += BlockSize)
        {
            float d = *(float*)x;
            sbyte* q = (sbyte*)(x + ActQsOffset);
            for (int j = 0; j < BlockSize; j++) y[j] = d * q[j];
        }
    }

    /// <summary>Q8_0 weights . Q8_0 activations (ggml_vec_dot_q8_0_q8_0): integer sum per block, then scale.</summary>
    public static float DotScalar(byte* w, byte* a, int count)
    {
        float sum = 0;
        for (int b = 0; b < count / BlockSize; b++, w += BlockBytes, a += ActBlockBytes)
        {
            sbyte* qw = (sbyte*)(w + 2), qa = (sbyte*)(a + ActQsOffset);
            int isum = 0;
            for (int j = 0; j < BlockSize; j++) isum += qw[j] * qa[j];
            sum += isum * (Fp16.ToFloat(*(ushort*)w) * *(float*)a);
        }
        return sum;
    }
}
