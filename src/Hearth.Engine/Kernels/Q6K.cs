namespace Hearth.Engine.Kernels;

/// <summary>
/// block_q6_K (210 bytes per 256): ql[128] low nibbles, qh[64] high 2-bit pairs, 16 signed 8-bit scales (one per 16
/// elements), fp16 d. Each half of 128 elements uses 64 bytes of ql and 32 of qh: element l (of 32) in quarter k
/// takes the nibble from ql[l + 32*(k&1)] (low for k&lt;2, high otherwise) and bits 2k..2k+1 of qh[l].
/// x = d * scale * (q - 32).
/// </summary>
internal static unsafe class Q6K
{
    public const int BlockSize = 256;
    public const int BlockBytes = 210;
    public const int QhOffset = 128;
    public const int ScalesOffset = 192;
    public const int DOffset = 208;

    public static void Quantize(float* x, byte* y, int count)
    {
        sbyte* L = stackalloc sbyte[BlockSize];
        float* scales = stackalloc float[16];
        for (int b = 0; b < count / BlockSize; b++, x += BlockSize, y += BlockBytes)
        {
            float maxScale = 0, maxAbsScale = 0;
            for (int ib = 0; ib < 16; ib++)
            {
                float scale = KQuantFit.MakeQxQuants(16, 32, x + 16 * ib, L + 16 * ib);
                scales[ib] = scale;
                if (MathF.Abs(scale) > maxAbsScale) { maxAbsScale = MathF.Abs(scale); maxScale = scale; }
            }
            if (maxAbsScale < KQuantFit.GroupMaxEps)
            {
                new Span<byte>(y, BlockBytes).Clear();
                continue;
            }
            float iscale = -128f / maxScale;
            ushort dh = Fp16.FromFloat(1 / iscale);
            *(ushort*)(y + DOffset) = dh;
            sbyte* sc = (sbyte*)(y + ScalesOffset);
            for (int ib = 0; ib < 16; ib++) sc[ib] = (sbyte)Math.Min(127, Fp16.NearestInt(iscale * scales[ib]));
            float dAll = Fp16.ToFloat(dh);
            for (int j = 0; j < 16; j++)
            {
                float d = dAll * sc[j];
                if (d == 0) continue;
                for (int i = 0; i < 16; i++)
                {
                    int l = Fp16.NearestInt(x[16 * j + i] / d);
                    L[16 * j + i] = (sbyte)(Math.Max(-32, Math.Min(31, l)) + 32);
                }
            }
            byte* ql = y, qh = y + QhOffset;
            for (int j = 0; j < BlockSize; j += 128, ql += 64, qh += 32)
            {
                for (int l = 0; l < 32; l++)
                {
                    int q1 = L[j + l], q2 = L[j + l + 32], q3 = L[j + l + 64], q4 = L[j + l + 96];
                    ql[l] = (byte)((q1 & 0xF) | ((q3 & 0xF) << 4));
                    ql[l + 32] = (byte)((q2 & 0xF) | ((q4 & 0xF) << 4));
                    qh[l] = (byte)((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
                }
            }
        }
    }

    public static void Dequantize(byte* x, float* y, int count)
    {
        for (int b = 0; b < count / BlockSize; b++, x += BlockBytes)
        {
            float d = Fp16.ToFloat(*(ushort*)(x + DOffset));
            byte* ql = x, qh = x + QhOffset;
            sbyte* sc = (sbyte*)(x + ScalesOffset);
            for (int n = 0; n < BlockSize; n += 128, ql += 64, qh += 32, sc += 8, y += 128)
            {
                for (int l = 0; l < 32; l++)
                {
                    int s = l / 16;
                    y[l] = d * sc[s] * (((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32);
                    y[l + 32] = d * sc[s + 2] * (((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
                    y[l + 64] = d * sc[s + 4] * (((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
                    y[l + 96] = d * sc[s + 6] * (((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
                }
            }
        }
    }

    /// <summary>Q6_K weights . Q8_K activations: d*ya.d*sum_j(sc_j * sum((q-32)*a)).</summary>
    public static float DotScalar(byte* w, byte* a, int count)
    {
        float sum = 0;
        for (int b = 0; b < count / BlockSize; b++, w += BlockBytes, a += Q8K.BlockBytes)
        {
            sbyte* qa = (sbyte*)(a + Q8K.QsOffset);
            byte* ql = w, qh = w + QhOffset;
            sbyte* sc = (sbyte*)(w + ScalesOffset);
            int isum = 0;
            for (int n = 0; n < BlockSize; n += 128, ql += 64, qh += 32, sc += 8, qa += 128)
            {
                for (int half = 0; half < 2; half++)
                {
                    int s1 = 0, s2 = 0, s3 = 0, s4 = 0;
                    for (int l = half * 16; l < half * 16 + 16; l++)
                    {
                        s1 += (((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32) * qa[l];
                        s2 += (((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32) * qa[l + 32];
                        s3 += (((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32) * qa[l + 64];
                        s4 += (((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32) * qa[l + 96];
                    }
                    isum += sc[half] * s1 + sc[half + 2] * s2 + sc[half + 4] * s3 + sc[half + 6] * s4;
                }
            }
            sum += Fp16.ToFloat(*(ushort*)(w + DOffset)) * *(float*)a * isum;
        }
        return sum;
    }
}
