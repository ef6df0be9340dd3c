namespace Hearth.Engine.Kernels;

/// <summary>
/// block_q5_K (176 bytes per 256): fp16 d, fp16 dmin, 12 bytes of 6-bit scales/mins, 32 bytes qh (the fifth bits),
/// 128 bytes of nibbles laid out as in Q4_K. Sub-block pair p takes its high bits from qh bits 2p and 2p+1.
/// </summary>
internal static unsafe class Q5K
{
    public const int BlockSize = 256;
    public const int BlockBytes = 176;
    public const int ScalesOffset = 4;
    public const int QhOffset = 16;
    public const int QsOffset = 48;

    public static void Quantize(float* x, byte* y, int count)
    {
        byte* L = stackalloc byte[BlockSize];
        for (int b = 0; b < count / BlockSize; b++, x += BlockSize, y += BlockBytes)
        {
            KQuantFit.FitScaleMinBlock(x, y, 31, -0.5f, 15, L);
            byte* qh = y + QhOffset;
            byte* ql = y + QsOffset;
            for (int j = 0; j < 32; j++) qh[j] = 0;
            int m1 = 1, m2 = 2;
            for (int n = 0; n < BlockSize; n += 64, ql += 32, m1 <<= 2, m2 <<= 2)
            {
                for (int j = 0; j < 32; j++)
                {
                    int l1 = L[n + j];
                    if (l1 > 15) { l1 -= 16; qh[j] |= (byte)m1; }
                    int l2 = L[n + j + 32];
                    if (l2 > 15) { l2 -= 16; qh[j] |= (byte)m2; }
                    ql[j] = (byte)(l1 | (l2 << 4));
                }
            }
        }
    }

    public static void Dequantize(byte* x, float* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockBytes)
        {
            float d = Fp16.ToFloat(*(ushort*)x), min = Fp16.ToFloat(*(ushort*)(x + 2));
            byte* ql = x + QsOffset, qh = x + QhOffset;
            int u1 = 1, u2 = 2;
            for (int j = 0; j < 8; j += 2, ql += 32, u1 <<= 2, u2 <<= 2)
            {
                KQuantFit.GetScaleMinK4(j, x + ScalesOffset, out int sc1, out int m1);
                KQuantFit.GetScaleMinK4(j + 1, x + ScalesOffset, out int sc2, out int m2);
                float d1 = d * sc1, dm1 = min * m1, d2 = d * sc2, dm2 = min * m2;
                for (int l = 0; l < 32; l++) *y++ = d1 * ((ql[l] & 0xF) + ((qh[l] & u1) != 0 ? 16 : 0)) - dm1;
                for (int l = 0; l < 32; l++) *y++ = d2 * ((ql[l] >> 4) + ((qh[l] & u2) != 0 ? 16 : 0)) - dm2;
            }
        }
    }

    /// <summary>Q5_K weights . Q8_K activations.</summary>
    public static float DotScalar(byte* w, byte* a, int count)
    {
        float sum = 0;
        for (int b = 0; b < count / BlockSize; b++, w += BlockBytes, a += Q8K.BlockBytes)
        {
            sbyte* qa = (sbyte*)(a + Q8K.QsOffset);
            short* bsums = (short*)(a + Q8K.BsumsOffset);
            byte* ql = w + QsOffset, qh = w + QhOffset;
            int isum = 0, msum = 0;
            int u1 = 1, u2 = 2;
            for (int j = 0; j < 8; j += 2, ql += 32, qa += 64, u1 <<= 2, u2 <<= 2)
            {
                KQuantFit.GetScaleMinK4(j, w + ScalesOffset, out int sc1, out int m1);
                KQuantFit.GetScaleMinK4(j + 1, w + ScalesOffset, out int sc2, out int m2);
                int s1 = 0, s2 = 0;
                for (int l = 0; l < 32; l++)
                {
                    s1 += ((ql[l] & 0xF) + ((qh[l] & u1) != 0 ? 16 : 0)) * qa[l];
                    s2 += ((ql[l] >> 4) + ((qh[l] & u2) != 0 ? 16 : 0)) * qa[l + 32];
                }
                isum += sc1 * s1 + sc2 * s2;
                msum += m1 * (bsums[2 * j] + bsums[2 * j + 1]) + m2 * (bsums[2 * j + 2] + bsums[2 * j + 3]);
            }
            float da = *(float*)a;
            sum += Fp16.ToFloat(*(ushort*)w) * da * isum - Fp16.ToFloat(*(ushort*)(w + 2)) * da * msum;
        }
        return sum;
    }
}
