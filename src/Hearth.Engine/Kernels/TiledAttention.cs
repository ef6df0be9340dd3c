using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hearth.Engine.Kernels;

/// <summary>
/// Attention in a pass of <see cref="MinRows"/> or more rows (a prompt), computed as llama.cpp computes it there: its
/// CPU flash attention switches to a tiled form (ggml_compute_forward_flash_attn_ext_tiled) once a batch has 64 query
/// rows, and <see cref="Attention"/>'s one-position-at-a-time F16 form is its path for shorter ones and decode.
/// Per query row, over the cache in tiles of <see cref="Tile"/> positions aligned at position 0:
/// scores are float dot products (the query not rounded, keys widened from F16; each a chain of FMAs in element order)
/// times the scale; masked positions (future, outside a sliding window) are -inf; the tile's maximum raises the
/// running one (the accumulated values and sum rescaled by e^(old - new) through <see cref="MathF.Exp"/>); weights
/// are <see cref="VectorExp.GgmlExp(Vector256{float})"/> of score - maximum, their sum added in double eight at a
/// time, and the weighted values accumulated in float, a chain of FMAs over the positions in order. Each output is
/// the accumulation times 1 / sum. Results are the same bits as <see cref="RowScalar"/>, its reference.
/// The vector path is faster than the F16 form because a tile's keys and values are widened once for every row and
/// query head of a block, and no F16 rounding chain runs per position.
/// </summary>
internal static unsafe class TiledAttention
{
    /// <summary>Positions per tile (GGML_FA_TILE_KV).</summary>
    public const int Tile = 64;

    /// <summary>Query rows from which a pass takes this path (GGML_FA_TILE_Q).</summary>
    public const int MinRows = 64;

    /// <summary>Query rows per call at most: the block whose heads share each widened tile.</summary>
    public const int BlockRows = 16;

    /// <summary>Whether the vector path runs on this machine for this head size (otherwise <see cref="RowScalar"/>).</summary>
    public static bool IsVectorized(int headDim) => Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported && headDim % 8 == 0;

    /// <summary>Floats of scratch one call needs.</summary>
    public static long ScratchFloats(int headDim, int heads) => 2L * Tile * headDim + Tile + (long)BlockRows * heads * (headDim + 2);

    /// <summary>
    /// <paramref name="rows"/> (at most <see cref="BlockRows"/>) consecutive query rows at positions
    /// first..first+rows-1 of one cache, for <paramref name="heads"/> query heads that share the KV head at
    /// <paramref name="keys"/> and <paramref name="values"/> (position p's row at p x <paramref name="stride"/>).
    /// Row r, head h: query at q + r x qStride + h x headDim, output likewise from <paramref name="output"/>; it sees
    /// positions max(0, pos + 1 - window)..pos. <paramref name="softcap"/> other than 0 bends scores to
    /// softcap x tanh(score / softcap) (gemma2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    public static void Rows(float* q, long qStride, int rows, int heads, int first, int window, Half* keys, Half* values, long stride,
        int headDim, float scale, float softcap, float* output, long outStride, float* scratch)
    {
        System.Diagnostics.Debug.Assert(rows is >= 1 and <= BlockRows);
        if (!IsVectorized(headDim))
        {
            for (int r = 0; r < rows; r++)
                for (int h = 0; h < heads; h++)
                    RowScalar(q + r * qStride + h * headDim, first + r, window, keys, values, stride, headDim, scale, softcap,
                        output + r * outStride + h * headDim);
            return;
        }
        if (softcap != 0) scale /= softcap;
        float* kt = scratch;                        // the tile's keys as floats, transposed: [headDim][Tile]
        float* vf = kt + Tile * headDim;            // its values as floats: [Tile][headDim]
        float* kq = vf + Tile * headDim;            // one row's scores, then weights: [Tile]
        float* acc = kq + Tile;                     // per (head, row): accumulated values [headDim]
        float* maxima = acc + heads * rows * headDim; // per (head, row): running maximum
        float* sums = maxima + heads * rows;        // per (head, row): sum of weights
        new Span<float>(acc, heads * rows * headDim).Clear();
        new Span<float>(maxima, heads * rows).Fill(float.NegativeInfinity);
        new Span<float>(sums, heads * rows).Clear();

        int last = first + rows - 1;
        int lowest = window == int.MaxValue ? 0 : Math.Max(0, first + 1 - window);
        var vscale = Vector256.Create(scale);
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        for (int t0 = lowest / Tile * Tile; t0 <= last; t0 += Tile)
        {
            int present = Math.Min(Tile, last + 1 - t0); // positions of the tile some row can see (the rest: beyond all)
            Widen(keys + (long)t0 * stride, values + (long)t0 * stride, stride, present, headDim, kt, vf);
            int vectors = (present + 7) / 8;
            for (int h = 0; h < heads; h++)
                for (int r = 0; r < rows; r++)
                {
                    int pos = first + r;
                    int start = window == int.MaxValue ? 0 : Math.Max(0, pos + 1 - window);
                    if (pos < t0 || start >= t0 + Tile) continue; // nothing of this tile is visible: llama.cpp skips it too
                    int lo = Math.Max(start - t0, 0), hi = Math.Min(pos - t0, Tile - 1); // visible: lo..hi
                    int used = hi / 8 + 1;
                    float* qr = q + r * qStride + h * headDim;
                    Scores(qr, kt, headDim, used, kq);
                    var max = Vector256.Create(float.NegativeInfinity);
                    var vlo = Vector256.Create(lo);
                    var vhi = Vector256.Create(hi);
                    for (int v = 0; v < used; v++)
                    {
                        var s = Vector256.Load(kq + v * 8) * vscale;
                        if (softcap != 0) s = Tanh(s) * Vector256.Create(softcap);
                        var j = lane + Vector256.Create(v * 8);
                        var visible = (Vector256.GreaterThanOrEqual(j, vlo) & Vector256.LessThanOrEqual(j, vhi)).AsSingle();
                        s = Vector256.ConditionalSelect(visible, s, Vector256.Create(float.NegativeInfinity));
                        Vector256.Store(s, kq + v * 8);
                        max = Vector256.Max(max, s);
                    }
                    float tileMax = MaxLanes(max);
                    int at = h * rows + r;
                    float* a = acc + (long)at * headDim;
                    float before = maxima[at], now = MathF.Max(before, tileMax);
                    if (now > before)
                    {
                        float ms = MathF.Exp(before - now);
                        var vms = Vector256.Create(ms);
                        for (int d = 0; d < headDim; d += 8) Vector256.Store(Vector256.Load(a + d) * vms, a + d);
                        sums[at] *= ms;
                    }
                    maxima[at] = now;
                    double sum = 0;
                    var vnow = Vector256.Create(now);
                    for (int v = 0; v < used; v++)
                    {
                        var e = VectorExp.GgmlExp(Vector256.Load(kq + v * 8) - vnow);
                        Vector256.Store(e, kq + v * 8);
                        sum += Avx2Kernels.HSum(e); // ggml_vec_soft_max_f32 sums each eight in hsum_float_8's order
                    }
                    sums[at] = (float)(sums[at] + sum);
                    Accumulate(vf, kq, lo, hi, headDim, a);
                }
        }
        for (int h = 0; h < heads; h++)
            for (int r = 0; r < rows; r++)
            {
                int at = h * rows + r;
                float inverse = sums[at] == 0 ? 0 : 1f / sums[at];
                var vi = Vector256.Create(inverse);
                float* a = acc + (long)at * headDim, o = output + r * outStride + h * headDim;
                for (int d = 0; d < headDim; d += 8) Vector256.Store(Vector256.Load(a + d) * vi, o + d);
            }
    }

    /// <summary>
    /// Positions 0..present-1 of a tile to floats: keys transposed (element d of eight positions side by side), values
    /// as they are. F16 widening is exact.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Widen(Half* keys, Half* values, long stride, int present, int headDim, float* kt, float* vf)
    {
        var up = Vector256.Create(Attention.Up);
        for (int j0 = 0; j0 < present; j0 += 8)
        {
            // a short last group repeats its last position; the extra columns are never visible
            Half* k0 = keys + j0 * stride;
            long s1 = Math.Min(1, present - 1 - j0) * stride, s2 = Math.Min(2, present - 1 - j0) * stride, s3 = Math.Min(3, present - 1 - j0) * stride,
                s4 = Math.Min(4, present - 1 - j0) * stride, s5 = Math.Min(5, present - 1 - j0) * stride, s6 = Math.Min(6, present - 1 - j0) * stride,
                s7 = Math.Min(7, present - 1 - j0) * stride;
            for (int d = 0; d < headDim; d += 8)
            {
                Vector256<float> a0 = Attention.HalfScaled(k0 + d) * up, a1 = Attention.HalfScaled(k0 + s1 + d) * up,
                    a2 = Attention.HalfScaled(k0 + s2 + d) * up, a3 = Attention.HalfScaled(k0 + s3 + d) * up,
                    a4 = Attention.HalfScaled(k0 + s4 + d) * up, a5 = Attention.HalfScaled(k0 + s5 + d) * up,
                    a6 = Attention.HalfScaled(k0 + s6 + d) * up, a7 = Attention.HalfScaled(k0 + s7 + d) * up;
                Attention.Transpose8(ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                float* to = kt + d * Tile + j0; // element d + i of the eight positions side by side
                Vector256.Store(a0, to);
                Vector256.Store(a1, to + Tile);
                Vector256.Store(a2, to + 2 * Tile);
                Vector256.Store(a3, to + 3 * Tile);
                Vector256.Store(a4, to + 4 * Tile);
                Vector256.Store(a5, to + 5 * Tile);
                Vector256.Store(a6, to + 6 * Tile);
                Vector256.Store(a7, to + 7 * Tile);
            }
        }
        for (int j = 0; j < present; j++)
            for (int d = 0; d < headDim; d += 8)
                Vector256.Store(Attention.HalfScaled(values + j * stride + d) * up, vf + j * headDim + d);
    }

    /// <summary>Scores of the first 8 x vectors positions: each a chain of FMAs over the elements in order, from 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Scores(float* q, float* kt, int headDim, int vectors, float* kq)
    {
        int v = 0;
        for (; v + 4 <= vectors; v += 4)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            float* k = kt + v * 8;
            for (int d = 0; d < headDim; d++, k += Tile)
            {
                var qd = Vector256.Create(q[d]);
                s0 = Vector256.FusedMultiplyAdd(Vector256.Load(k), qd, s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.Load(k + 8), qd, s1);
                s2 = Vector256.FusedMultiplyAdd(Vector256.Load(k + 16), qd, s2);
                s3 = Vector256.FusedMultiplyAdd(Vector256.Load(k + 24), qd, s3);
            }
            Vector256.Store(s0, kq + v * 8);
            Vector256.Store(s1, kq + v * 8 + 8);
            Vector256.Store(s2, kq + v * 8 + 16);
            Vector256.Store(s3, kq + v * 8 + 24);
        }
        for (; v < vectors; v++)
        {
            Vector256<float> s0 = default;
            float* k = kt + v * 8;
            for (int d = 0; d < headDim; d++, k += Tile) s0 = Vector256.FusedMultiplyAdd(Vector256.Load(k), Vector256.Create(q[d]), s0);
            Vector256.Store(s0, kq + v * 8);
        }
    }

    /// <summary>a += the values of positions lo..hi weighted by w, one FMA chain per element over the positions in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Accumulate(float* vf, float* w, int lo, int hi, int headDim, float* a)
    {
        int d = 0;
        for (; d + 32 <= headDim; d += 32)
        {
            Vector256<float> a0 = Vector256.Load(a + d), a1 = Vector256.Load(a + d + 8), a2 = Vector256.Load(a + d + 16), a3 = Vector256.Load(a + d + 24);
            float* v = vf + lo * headDim + d;
            for (int j = lo; j <= hi; j++, v += headDim)
            {
                var wj = Vector256.Create(w[j]);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(v), wj, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(v + 8), wj, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(v + 16), wj, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(v + 24), wj, a3);
            }
            Vector256.Store(a0, a + d);
            Vector256.Store(a1, a + d + 8);
            Vector256.Store(a2, a + d + 16);
            Vector256.Store(a3, a + d + 24);
        }
        for (; d < headDim; d += 8)
        {
            var a0 = Vector256.Load(a + d);
            float* v = vf + lo * headDim + d;
            for (int j = lo; j <= hi; j++, v += headDim) a0 = Vector256.FusedMultiplyAdd(Vector256.Load(v), Vector256.Create(w[j]), a0);
            Vector256.Store(a0, a + d);
        }
    }

    /// <summary>tanh of each lane through <see cref="MathF.Tanh"/>, as ggml_vec_tanh_f32 calls tanhf.</summary>
    static Vector256<float> Tanh(Vector256<float> x)
    {
        float* t = stackalloc float[8];
        Vector256.Store(x, t);
        for (int i = 0; i < 8; i++) t[i] = MathF.Tanh(t[i]);
        return Vector256.Load(t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float MaxLanes(Vector256<float> v)
    {
        var m = Vector128.Max(v.GetLower(), v.GetUpper());
        return MathF.Max(MathF.Max(m.GetElement(0), m.GetElement(1)), MathF.Max(m.GetElement(2), m.GetElement(3)));
    }

    /// <summary>
    /// The scalar reference of one row and head: the same tiles, chains and sums written out plainly (with
    /// <see cref="VectorExp.GgmlExp(float)"/>), the path of machines without AVX2 and FMA and what the vector path is tested against.
    /// </summary>
    public static void RowScalar(float* q, int pos, int window, Half* keys, Half* values, long stride, int headDim, float scale, float softcap, float* output)
    {
        if (softcap != 0) scale /= softcap;
        int start = window == int.MaxValue ? 0 : Math.Max(0, pos + 1 - window);
        Span<float> acc = stackalloc float[headDim];
        Span<float> w = stackalloc float[Tile];
        acc.Clear();
        float max = float.NegativeInfinity, total = 0;
        for (int t0 = start / Tile * Tile; t0 <= pos; t0 += Tile)
        {
            float tileMax = float.NegativeInfinity;
            for (int j = 0; j < Tile; j++)
            {
                int p = t0 + j;
                if (p < start || p > pos) { w[j] = float.NegativeInfinity; continue; }
                float s = 0;
                for (int d = 0; d < headDim; d++) s = MathF.FusedMultiplyAdd((float)keys[p * stride + d], q[d], s);
                s *= scale;
                if (softcap != 0) s = MathF.Tanh(s) * softcap;
                w[j] = s;
                tileMax = MathF.Max(tileMax, s);
            }
            float now = MathF.Max(max, tileMax);
            if (now > max)
            {
                float ms = MathF.Exp(max - now);
                for (int d = 0; d < headDim; d++) acc[d] *= ms;
                total *= ms;
            }
            max = now;
            double sum = 0;
            for (int g = 0; g < Tile; g += 8)
            {
                for (int j = g; j < g + 8; j++) w[j] = VectorExp.GgmlExp(w[j] - now);
                sum += ((w[g] + w[g + 4]) + (w[g + 2] + w[g + 6])) + ((w[g + 1] + w[g + 5]) + (w[g + 3] + w[g + 7]));
            }
            total = (float)(total + sum);
            for (int j = 0; j < Tile; j++)
            {
                int p = t0 + j;
                if (p < start || p > pos) continue; // weight 0: the FMA would change nothing
                for (int d = 0; d < headDim; d++) acc[d] = MathF.FusedMultiplyAdd((float)values[p * stride + d], w[j], acc[d]);
            }
        }
        float inverse = total == 0 ? 0 : 1f / total;
        for (int d = 0; d < headDim; d++) output[d] = acc[d] * inverse;
    }
}
