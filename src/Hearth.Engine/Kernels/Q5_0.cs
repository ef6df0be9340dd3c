namespace Hearth.Engine.Kernels;

/// <summary>
/// block_q5_0: fp16 d, 4 bytes qh (bit j = fifth bit of element j), 16 bytes of nibbles (as Q4_0);
/// x = d * (q - 16).
/// </summary>
internal static unsafe class Q5_0
{
    public const int BlockSize = 32;
    public const int BlockBytes = 22;

    public static void Quantize(float* x, byte* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockSize, y += BlockBytes)
        {
            float amax = 0, max = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                if (amax < MathF.Abs(x[j])) { amax = MathF.Abs(x[j]); max = x[j]; }
            }
            float d = max / -16f;
            float id = d != 0 ? 1f / d : 0f;
            *(ushort*)y = Fp16.FromFloat(d);
            uint qh = 0;
            for (int j = 0; j < 16; j++)
            {
                int lo = Math.Min(31, (int)(sbyte)(x[j] * id + 16.5f));
                int hi = Math.Min(31, (int)(sbyte)(x[j + 16] * id + 16.5f));
                y[6 + j] = (byte)((lo & 0xF) | ((hi & 0xF) << 4));
                qh |= (uint)((lo & 0x10) >> 4) << j;
                qh |= (uint)((hi & 0x10) >> 4) << (j + 16);
            }
            *(uint*)(y + 2) = qh;
        }
    }

    public static void Dequantize(byte* x, float* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockBytes, y += BlockSize)
        {
            float d = Fp16.ToFloat(*(ushort*)x);
            uint qh = *(uint*)(x + 2);
            for (int j = 0; j < 16; j++)
            {
                int h0 = (int)((qh >> j) << 4) & 0x10, h1 = (int)(qh >> (j + 12)) & 0x10;
                y[j] = (((x[6 + j] & 0xF) | h0) - 16) * d;
                y[j + 16] = (((x[6 + j] >> 4) | h1) - 16) * d;
            }
        }
    }

    /// <summary>Q5_0 weights . Q8_0 activations.</summary>
    public static float DotScalar(byte* w, byte* a, int count)
    {
        float sum = 0;
        for (int b = 0; b < count / BlockSize; b++, w += BlockBytes, a += Q8_0.ActBlockBytes)
        {
            sbyte* qa = (sbyte*)(a + Q8_0.ActQsOffset);
            uint qh = *(uint*)(w + 2);
            int isum = 0;
            for (int j = 0; j < 16; j++)
            {
                int h0 = (int)((qh >> j) << 4) & 0x10, h1 = (int)(qh >> (j + 12)) & 0x10;
                isum += (((w[6 + j] & 0xF) | h0) - 16) * qa[j] + (((w[6 + j] >> 4) | h1) - 16) * qa[j + 16];
            }
            sum += isum * (Fp16.ToFloat(*(ushort*)w) * *(float*)a);
        }
        return sum;
    }
}
