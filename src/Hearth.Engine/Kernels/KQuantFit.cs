namespace Hearth.Engine.Kernels;

/// <summary>
/// The scale searches ggml's reference K-quant quantizers use (make_qkx2_quants, make_qx_quants) and the 6-bit
/// scale/min packing of Q4_K and Q5_K (get_scale_min_k4). Followed operation by operation so our files hold the
/// same bytes llama-quantize would write.
/// </summary>
internal static unsafe class KQuantFit
{
    public const float GroupMaxEps = 1e-15f;

    /// <summary>
    /// Fits x ~ scale*L - min with L in [0, nmax] minimizing the weighted squared error; tries nstep+1 candidate
    /// scales around nmax/(max-min). Returns the scale; theMin gets the (non-negative) offset.
    /// </summary>
    public static float MakeQkx2Quants(int n, int nmax, float* x, float* weights, byte* L, out float theMin,
        byte* laux, float rmin, float rdelta, int nstep)
    {
        float min = x[0], max = x[0];
        float sumW = weights[0];
        float sumX = sumW * x[0];
        for (int i = 1; i < n; i++)
        {
            if (x[i] < min) min = x[i];
            if (x[i] > max) max = x[i];
            float w = weights[i];
            sumW += w;
            sumX += w * x[i];
        }
        if (min > 0) min = 0;
        if (max == min)
        {
            for (int i = 0; i < n; i++) L[i] = 0;
            theMin = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++)
        {
            int l = Fp16.NearestInt(iscale * (x[i] - min));
            L[i] = (byte)Math.Max(0, Math.Min(nmax, l));
            float diff = scale * L[i] + min - x[i];
            bestError += weights[i] * (diff * diff);
        }
        if (nstep < 1)
        {
            theMin = -min;
            return scale;
        }
        for (int step = 0; step <= nstep; step++)
        {
            iscale = (rmin + rdelta * step + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++)
            {
                int l = Fp16.NearestInt(iscale * (x[i] - min));
                l = Math.Max(0, Math.Min(nmax, l));
                laux[i] = (byte)l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[i];
            }
            float D = sumW * sumL2 - sumL * sumL;
            if (D > 0)
            {
                float thisScale = (sumW * sumXL - sumX * sumL) / D;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
                if (thisMin > 0)
                {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++)
                {
                    float diff = thisScale * laux[i] + thisMin - x[i];
                    curError += weights[i] * (diff * diff);
                }
                if (curError < bestError)
                {
                    for (int i = 0; i < n; i++) L[i] = laux[i];
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin = -min;
        return scale;
    }

    /// <summary>
    /// make_qx_quants with rmse_type 1 (weights x^2): symmetric fit x ~ scale*(L - nmax), L in [0, 2*nmax), trying
    /// 18 scales around nmax/max. Returns the scale.
    /// </summary>
    public static float MakeQxQuants(int n, int nmax, float* x, sbyte* L)
    {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++)
        {
            float ax = MathF.Abs(x[i]);
            if (ax > amax) { amax = ax; max = x[i]; }
        }
        if (amax < GroupMaxEps)
        {
            for (int i = 0; i < n; i++) L[i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++)
        {
            int l = Fp16.NearestInt(iscale * x[i]);
            l = Math.Max(-nmax, Math.Min(nmax - 1, l));
            L[i] = (sbyte)(l + nmax);
            float w = x[i] * x[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int step = -9; step <= 9; step++)
        {
            if (step == 0) continue;
            iscale = -(nmax + 0.1f * step) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < n; i++)
            {
                int l = Fp16.NearestInt(iscale * x[i]);
                l = Math.Max(-nmax, Math.Min(nmax - 1, l));
                float w = x[i] * x[i];
                sumlx += w * x[i] * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2)
            {
                for (int i = 0; i < n; i++)
                {
                    int l = Fp16.NearestInt(iscale * x[i]);
                    L[i] = (sbyte)(nmax + Math.Max(-nmax, Math.Min(nmax - 1, l)));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /// <summary>get_scale_min_k4: the j-th (of 8) 6-bit scale and min packed into 12 bytes.</summary>
    public static void GetScaleMinK4(int j, byte* q, out int scale, out int min)
    {
        if (j < 4)
        {
            scale = q[j] & 63;
            min = q[j + 4] & 63;
        }
        else
        {
            scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
            min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
        }
    }

    /// <summary>Packs eight 6-bit scales and mins the way get_scale_min_k4 reads them.</summary>
    public static void PackScalesMins(byte* scales, byte* ls, byte* lm)
    {
        for (int j = 0; j < 12; j++) scales[j] = 0;
        for (int j = 0; j < 8; j++)
        {
            if (j < 4)
            {
                scales[j] = ls[j];
                scales[j + 4] = lm[j];
            }
            else
            {
                scales[j + 4] = (byte)((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
                scales[j - 4] |= (byte)((ls[j] >> 4) << 6);
                scales[j] |= (byte)((lm[j] >> 4) << 6);
            }
        }
    }

    /// <summary>
    /// The shared first half of quantize_row_q4_K_ref / q5_K_ref: fit each of the 8 sub-blocks of 32, quantize their
    /// scales and mins to 6 bits, write d/dmin/scales, and requantize x against the stored scales into L.
    /// </summary>
    public static void FitScaleMinBlock(float* x, byte* block, int nmax, float rmin, int nstep, byte* L)
    {
        float* weights = stackalloc float[32];
        float* mins = stackalloc float[8];
        float* scales = stackalloc float[8];
        byte* laux = stackalloc byte[32];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++)
        {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[32 * j + l] * x[32 * j + l];
            float avX = MathF.Sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + MathF.Abs(x[32 * j + l]);
            scales[j] = MakeQkx2Quants(32, nmax, x + 32 * j, weights, L + 32 * j, out mins[j], laux, rmin, 0.1f, nstep);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        byte* ls = stackalloc byte[8];
        byte* lm = stackalloc byte[8];
        for (int j = 0; j < 8; j++)
        {
            ls[j] = (byte)Math.Min(63, (int)(byte)Fp16.NearestInt(invScale * scales[j]));
            lm[j] = (byte)Math.Min(63, (int)(byte)Fp16.NearestInt(invMin * mins[j]));
        }
        PackScalesMins(block + 4, ls, lm);
        ushort dh = Fp16.FromFloat(maxScale / 63f), dminh = Fp16.FromFloat(maxMin / 63f);
        *(ushort*)block = dh;
        *(ushort*)(block + 2) = dminh;
        float dAll = Fp16.ToFloat(dh), minAll = Fp16.ToFloat(dminh);
        for (int j = 0; j < 8; j++)
        {
            GetScaleMinK4(j, block + 4, out int sc, out int m);
            float d = dAll * sc;
            if (d == 0) continue;
            float dm = minAll * m;
            for (int i = 0; i < 32; i++)
            {
                int l = Fp16.NearestInt((x[32 * j + i] + dm) / d);
                L[32 * j + i] = (byte)Math.Max(0, Math.Min(nmax, l));
            }
        }
    }
}
