namespace Hearth.Engine.Kernels;

/// <summary>block_q4_1: fp16 d, fp16 m, 16 bytes of nibbles (as Q4_0); x = d*q + m.</summary>
internal static unsafe class Q4_1
{
    public const int BlockSize = 32;
    public const int BlockBytes = 20;

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
            float d = (max - min) / 15;
            float id = d != 0 ? 1f / d : 0f;
            *(ushort*)y = Fp16.FromFloat(d);
            *(ushort*)(y + 2) = Fp16.FromFloat(min);
            for (int j = 0; j < BlockSize / 2; j++)
            {
                int lo = Math.Min(15, (int)(sbyte)((x[j] - min) * id + 0.5f));
                int hi = Math.Min(15, (int)(sbyte)((x[j + 16] - min) * id + 0.5f));
                y[4 + j] = (byte)(lo | (hi << 4));
            }
        }
    }

    public static void Dequantize(byte* x, float* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockBytes, y += BlockSize)
        {
            float d = Fp16.ToFloat(*(ushort*)x), m = Fp16.ToFloat(*(ushort*)(x + 2));
            for (int j = 0; j < 16; j++)
            {
                y[j] = (x[4 + j] & 0xF) * d + m;
                y[j + 16] = (x[4 + j] >> 4) * d + m;
            }
        }
    }

    /// <summary>Q4_1 weights . Q8_1 activations: isum*d*da + m*sa.</summary>
    public static float DotScalar(byte* w, byte* a, int count)
    {
        float sum = 0;
        for (int b = 0; b < count / BlockSize; b++, w += BlockBytes, a += Q8_1.BlockBytes)
        {
            sbyte* qa = (sbyte*)(a + 4);
            int isum = 0;
            for (int j = 0; j < 16; j++) isum += (w[4 + j] & 0xF) * qa[j] + (w[4 + j] >> 4) * qa[j + 16];
            sum += isum * (Fp16.ToFloat(*(ushort*)w) * Fp16.ToFloat(*(ushort*)a))
                + Fp16.ToFloat(*(ushort*)(w + 2)) * Fp16.ToFloat(*(ushort*)(a + 2));
        }
        return sum;
    }
}
