namespace Hearth.Engine.Kernels;

/// <summary>
/// block_q4_K (144 bytes per 256): fp16 d, fp16 dmin, 12 bytes of 6-bit scales and mins for 8 sub-blocks of 32,
/// 128 bytes of nibbles. Each 32 bytes of qs hold two sub-blocks: low nibbles the first, high nibbles the second.
/// x = d*scale_j*q - dmin*min_j.
/// </summary>
internal static unsafe class Q4K
{
    public const int BlockSize = 256;
    public const int BlockBytes = 144;
    public const int ScalesOffset = 4;
    public const int QsOffset = 16;

    public static void Quantize(float* x, byte* y, int count)
    {
        byte* L = stackalloc byte[BlockSize];
        for (int b = 0; b < count / BlockSize; b++, x += BlockSize, y += BlockBytes)
        {
            KQuantFit.FitScaleMinBlock(x, y, 15, -1f, 20, L);
            byte* q = y + QsOffset;
            for (int j = 0; j < BlockSize; j += 64, q += 32)
                for (int l = 0; l < 32; l++) q[l] = (byte)(L[j + l] | (L[j + l + 32] << 4));
        }
    }

    public static void Dequantize(byte* x, float* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockBytes)
        {
            float d = Fp16.ToFloat(*(ushort*)x), min = Fp16.ToFloat(*(ushort*)(x + 2));
            byte* q = x + QsOffset;
            for (int j = 0; j < 8; j += 2, q += 32)
            {
                KQuantFit.GetScaleMinK4(j, x + ScalesOffset, out int sc1, out int m1);
                KQuantFit.GetScaleMinK4(j + 1, x + ScalesOffset, out int sc2, out int m2);
                float d1 = d * sc1, dm1 = min * m1, d2 = d * sc2, dm2 = min * m2;
                for (int l = 0; l < 32; l++) *y++ = d1 * (q[l] & 0xF) - dm1;
                for (int l = 0; l < 32; l++) *y++ = d2 * (q[l] >> 4) - dm2;
            }
        }
    }

    /// <summary>Q4_K weights . Q8_K activations: d*ya.d*sum_j(sc_j*dot_j) - dmin*ya.d*sum_j(m_j*bsum_j).</summary>
    public static float DotScalar(byte* w, byte* a, int count)
    {
        float sum = 0;
        for (int b = 0; b < count / BlockSize; b++, w += BlockBytes, a += Q8K.BlockBytes)
        {
            sbyte* qa = (sbyte*)(a + Q8K.QsOffset);
            short* bsums = (short*)(a + Q8K.BsumsOffset);
            byte* q = w + QsOffset;
            int isum = 0, msum = 0;
            for (int j = 0; j < 8; j += 2, q += 32, qa += 64)
            {
                KQuantFit.GetScaleMinK4(j, w + ScalesOffset, out int sc1, out int m1);
                KQuantFit.GetScaleMinK4(j + 1, w + ScalesOffset, out int sc2, out int m2);
                int s1 = 0, s2 = 0;
                for (int l = 0; l < 32; l++)
                {
                    s1 += (q[l] & 0xF) * qa[l];
                    s2 += (q[l] >> 4) * qa[l + 32];
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
