namespace Hearth.Engine.Kernels;

/// <summary>block_q5_1: fp16 d, fp16 m, 4 bytes qh, 16 bytes of nibbles; x = d*q + m.</summary>
internal static unsafe class Q5_1
{
    public const int BlockSize = 32;
    public const int BlockBytes = 24;

    public static void Quantize(float* x, byte* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockSize, y += BlockBytes)
        {
            float min = float.MaxValue, max = -float.MaxValue;
            for (int j = 0; j < BlockSize; j++)
            {
                if (x[j] < min) min = x[j];
                if (x[j] > max) max = x[j];
            }
            float d = (max - min) / 31;
            float id = d != 0 ? 1f / d : 0f;
            *(ushort*)y = Fp16.FromFloat(d);
            *(ushort*)(y + 2) = Fp16.FromFloat(min);
            uint qh = 0;
            for (int j = 0; j < 16; j++)
            {
                int lo = (byte)((x[j] - min) * id + 0.5f);
                int hi = (byte)((x[j + 16] - min) * id + 0.5f);
                y[8 + j] = (byte)((lo & 0xF) | ((hi & 0xF) << 4));
                qh |= (uint)((lo & 0x10) >> 4) << j;
                qh |= (uint)((hi & 0x10) >> 4) << (j + 16);
            }
            *(uint*)(y + 4) = qh;
        }
    }

    public static void Dequantize(byte* x, float* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockBytes, y += BlockSize)
        {
            float d = Fp16.ToFloat(*(ushort*)x), m = Fp16.ToFloat(*(ushort*)(x + 2));
            uint qh = *(uint*)(x + 4);
            for (int j = 0; j < 16; j++)
            {
                int h0 = (int)((qh >> j) << 4) & 0x10, h1 = (int)(qh >> (j + 12)) & 0x10;
                y[j] = ((x[8 + j] & 0xF) | h0) * d + m;
                y[j + 16] = ((x[8 + j] >> 4) | h1) * d + m;
            }
        }
    }

    /// <summary>Q5_1 weights . Q8_1 activations.</summary>
    public static float DotScalar(byte* w, byte* a, int count)
    {
        float sum = 0;
        for (int b = 0; b < count / BlockSize; b++, w += BlockBytes, a += Q8_1.BlockBytes)
        {
            sbyte* qa = (sbyte*)(a + 4);
            uint qh = *(uint*)(w + 4);
            int isum = 0;
            for (int j = 0; j < 16; j++)
            {
                int h0 = (int)((qh >> j) << 4) & 0x10, h1 = (int)(qh >> (j + 12)) & 0x10;
                isum += ((w[8 + j] & 0xF) | h0) * qa[j] + ((w[8 + j] >> 4) | h1) * qa[j + 16];
            }
            sum += isum * (Fp16.ToFloat(*(ushort*)w) * Fp16.ToFloat(*(ushort*)a))
                + Fp16.ToFloat(*(ushort*)(w + 2)) * Fp16.ToFloat(*(ushort*)(a + 2));
        }
        return sum;
    }
}
