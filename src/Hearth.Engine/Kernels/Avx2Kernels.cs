using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Hearth.Engine.Kernels;

/// <summary>
/// 256-bit x86 kernels (AVX2 + FMA, with AVX-VNNI for the unsigned x signed byte dot products where present),
/// following ggml-cpu's AVX2 code: integer dot products per block, scaled and accumulated in float. Each kernel
/// takes one weight row and 1..n activation rows; with several rows a weight block is decoded once and reused.
/// </summary>
internal static unsafe class Avx2Kernels
{
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    static readonly Vector256<short> Ones16 = Vector256.Create((short)1);
    static readonly Vector256<byte> Low4 = Vector256.Create((byte)0x0F);

    /// <summary>Sum over byte pairs of u*s into 8 int32 lanes (4 bytes per lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> DotBytes(Vector256<byte> u, Vector256<sbyte> s) => AvxVnni.IsSupported
        ? AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, u, s)
        : Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s), Ones16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Fma256(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma.MultiplyAdd(a, b, c);

    // ---------------------------------------------------------------- Q8_0 and Q4_0 weights, Q8_0 activations

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q8_0(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        int nb = cols / 32;
        int k = 0;
        for (; k + 4 <= count; k += 4, a += 4 * aStride) Q8_0x4(w, a, aStride, nb, y + k * yStride, yStride);
        for (; k < count; k++, a += aStride) y[k * yStride] = Q8_0x1(w, a, nb);
    }

    /// <summary>
    /// How far ahead of the current weight block decode (n = 1) kernels prefetch. Decode streams every weight once per
    /// token from RAM and the kernels are too light to hide the latency on their own: on a 2-core EPYC a software
    /// prefetch 1 KiB ahead made the Q8_0 matmuls of a Qwen2.5-0.5B-shaped model ~30% faster (bench profile).
    /// Prefetches never fault, so running past the end of a matrix is harmless.
    /// </summary>
    internal const int PrefetchDistance = 1024;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float Q8_0x1(byte* w, byte* a, int nb)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        int b = 0;
        for (; b + 2 <= nb; b += 2, w += 68, a += 72)
        {
            Sse.Prefetch0(w + PrefetchDistance);
            acc0 = Q8_0Block(w, a, acc0);
            acc1 = Q8_0Block(w + 34, a + 36, acc1);
        }
        if (b < nb) acc0 = Q8_0Block(w, a, acc0);
        return Vector256.Sum(acc0 + acc1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Q8_0Block(byte* w, byte* a, Vector256<float> acc)
    {
        var qw = Avx.LoadVector256((sbyte*)(w + 2));
        var qa = Avx.LoadVector256((sbyte*)(a + 4));
        var dot = DotBytes(Avx2.Abs(qw), Avx2.Sign(qa, qw));
        float scale = Fp16.Lookup(*(ushort*)w) * *(float*)a;
        return Fma256(Avx.ConvertToVector256Single(dot), Vector256.Create(scale), acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Q8_0x4(byte* w, byte* a, long aStride, int nb, float* y, long yStride)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        byte* a0 = a, a1 = a + aStride, a2 = a + 2 * aStride, a3 = a + 3 * aStride;
        for (int b = 0; b < nb; b++, w += 34, a0 += 36, a1 += 36, a2 += 36, a3 += 36)
        {
            var qw = Avx.LoadVector256((sbyte*)(w + 2));
            var ax = Avx2.Abs(qw);
            float dw = Fp16.Lookup(*(ushort*)w);
            acc0 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax, Avx2.Sign(Avx.LoadVector256((sbyte*)(a0 + 4)), qw))),
                Vector256.Create(dw * *(float*)a0), acc0);
            acc1 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax, Avx2.Sign(Avx.LoadVector256((sbyte*)(a1 + 4)), qw))),
                Vector256.Create(dw * *(float*)a1), acc1);
            acc2 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax, Avx2.Sign(Avx.LoadVector256((sbyte*)(a2 + 4)), qw))),
                Vector256.Create(dw * *(float*)a2), acc2);
            acc3 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax, Avx2.Sign(Avx.LoadVector256((sbyte*)(a3 + 4)), qw))),
                Vector256.Create(dw * *(float*)a3), acc3);
        }
        y[0] = HSum(acc0);
        y[yStride] = HSum(acc1);
        y[2 * yStride] = HSum(acc2);
        y[3 * yStride] = HSum(acc3);
    }

    /// <summary>
    /// Two weight rows against the same activation rows, 4 at a time: each (weight row, activation row) accumulates
    /// exactly as in <see cref="Q8_0x4"/>, so results are identical to the row kernel, but an activation block is
    /// loaded once for both weight rows and the per-call work doubles. That is what small matrices need: with 256
    /// columns (8 blocks) a call's fixed cost was as large as its blocks' work.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q8_0Pair(byte* w, long wStride, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        int nb = cols / 32;
        int k = 0;
        for (; k + 4 <= count; k += 4, a += 4 * aStride) Q8_0Pairx4(w, w + wStride, a, aStride, nb, y + k * yStride, yStride);
        if (k < count)
        {
            Q8_0(w, a, aStride, cols, y + k * yStride, yStride, count - k);
            Q8_0(w + wStride, a, aStride, cols, y + k * yStride + 1, yStride, count - k);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    static void Q8_0Pairx4(byte* w0, byte* w1, byte* a, long aStride, int nb, float* y, long yStride)
    {
        Vector256<float> p0 = default, p1 = default, p2 = default, p3 = default; // weight row 0 x activation rows 0..3
        Vector256<float> q0 = default, q1 = default, q2 = default, q3 = default; // weight row 1
        byte* a0 = a, a1 = a + aStride, a2 = a + 2 * aStride, a3 = a + 3 * aStride;
        // the block's 8 scale products (weight row 0 x activation rows 0..3, then weight row 1), broadcast from memory
        float* d = stackalloc float[8];
        for (int b = 0; b < nb; b++, w0 += 34, w1 += 34, a0 += 36, a1 += 36, a2 += 36, a3 += 36)
        {
            // a batch of decodes reads the weights once per step, from RAM: fetch ahead (2 KiB: 8 decodes 1.1-1.2x faster
            // than 1 KiB, 4 KiB no better; no cost measured at 128 rows)
            Sse.Prefetch0(w0 + 2 * PrefetchDistance);
            Sse.Prefetch0(w1 + 2 * PrefetchDistance);
            var da = Vector128.Create(*(float*)a0, *(float*)a1, *(float*)a2, *(float*)a3);
            var dw = Vector256.Create(Vector128.Create(Fp16.Lookup(*(ushort*)w0)), Vector128.Create(Fp16.Lookup(*(ushort*)w1)));
            Vector256.Store(Vector256.Create(da, da) * dw, d);
            var qw0 = Avx.LoadVector256((sbyte*)(w0 + 2));
            var qw1 = Avx.LoadVector256((sbyte*)(w1 + 2));
            var ax0 = Avx2.Abs(qw0);
            var ax1 = Avx2.Abs(qw1);
            var qa = Avx.LoadVector256((sbyte*)(a0 + 4));
            p0 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax0, Avx2.Sign(qa, qw0))), Vector256.Create(d[0]), p0);
            q0 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax1, Avx2.Sign(qa, qw1))), Vector256.Create(d[4]), q0);
            qa = Avx.LoadVector256((sbyte*)(a1 + 4));
            p1 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax0, Avx2.Sign(qa, qw0))), Vector256.Create(d[1]), p1);
            q1 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax1, Avx2.Sign(qa, qw1))), Vector256.Create(d[5]), q1);
            qa = Avx.LoadVector256((sbyte*)(a2 + 4));
            p2 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax0, Avx2.Sign(qa, qw0))), Vector256.Create(d[2]), p2);
            q2 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax1, Avx2.Sign(qa, qw1))), Vector256.Create(d[6]), q2);
            qa = Avx.LoadVector256((sbyte*)(a3 + 4));
            p3 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax0, Avx2.Sign(qa, qw0))), Vector256.Create(d[3]), p3);
            q3 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax1, Avx2.Sign(qa, qw1))), Vector256.Create(d[7]), q3);
        }
        StorePairSums(p0, q0, p1, q1, p2, q2, p3, q3, y, yStride);
    }

    /// <summary>
    /// <see cref="HSum"/> of eight accumulators at once, each in the same order, stored as four pairs: (p_k, q_k) to
    /// y[k * yStride] and y[k * yStride + 1]. 19 vector operations where eight HSums take about 56.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StorePairSums(Vector256<float> p0, Vector256<float> q0, Vector256<float> p1, Vector256<float> q1,
        Vector256<float> p2, Vector256<float> q2, Vector256<float> p3, Vector256<float> q3, float* y, long yStride)
    {
        // [p_k hi + p_k lo | q_k hi + q_k lo], lanes reordered (0, 2, 1, 3) so that horizontal adds pair 0+2 and 1+3
        var r0 = Avx.Shuffle(Avx.Permute2x128(p0, q0, 0x20) + Avx.Permute2x128(p0, q0, 0x31), Avx.Permute2x128(p0, q0, 0x20) + Avx.Permute2x128(p0, q0, 0x31), 0b11_01_10_00);
        var r1 = Avx.Shuffle(Avx.Permute2x128(p1, q1, 0x20) + Avx.Permute2x128(p1, q1, 0x31), Avx.Permute2x128(p1, q1, 0x20) + Avx.Permute2x128(p1, q1, 0x31), 0b11_01_10_00);
        var r2 = Avx.Shuffle(Avx.Permute2x128(p2, q2, 0x20) + Avx.Permute2x128(p2, q2, 0x31), Avx.Permute2x128(p2, q2, 0x20) + Avx.Permute2x128(p2, q2, 0x31), 0b11_01_10_00);
        var r3 = Avx.Shuffle(Avx.Permute2x128(p3, q3, 0x20) + Avx.Permute2x128(p3, q3, 0x31), Avx.Permute2x128(p3, q3, 0x20) + Avx.Permute2x128(p3, q3, 0x31), 0b11_01_10_00);
        // [p0, p1, p2, p3 | q0, q1, q2, q3], each (0 + 2) + (1 + 3)
        var sums = Avx.HorizontalAdd(Avx.HorizontalAdd(r0, r1), Avx.HorizontalAdd(r2, r3));
        var lo = Avx.UnpackLow(sums, Avx.Permute2x128(sums, sums, 0x11)).GetLower();   // p0 q0 p1 q1
        var hi = Avx.UnpackHigh(sums, Avx.Permute2x128(sums, sums, 0x11)).GetLower();  // p2 q2 p3 q3
        Sse.StoreLow(y, lo);
        Sse.StoreHigh(y + yStride, lo);
        Sse.StoreLow(y + 2 * yStride, hi);
        Sse.StoreHigh(y + 3 * yStride, hi);
    }

    /// <summary>
    /// The 8 lanes summed in ggml's order (hsum_float_8: high half + low half, then (0 + 2) + (1 + 3)), so batched
    /// prompt rows give llama.cpp's own float results (its reference logits agree to ~1e-6).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float HSum(Vector256<float> x)
    {
        var r = x.GetUpper() + x.GetLower();
        return (r.GetElement(0) + r.GetElement(2)) + (r.GetElement(1) + r.GetElement(3));
    }

    /// <summary>32 nibbles of a Q4_0 block as signed bytes q - 8, in element order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<sbyte> Q4_0Unpack(byte* qs)
    {
        var packed = Sse2.LoadVector128(qs);
        var both = Vector256.Create(packed, Sse2.ShiftRightLogical(packed.AsUInt16(), 4).AsByte());
        return Avx2.Subtract(Avx2.And(both, Low4).AsSByte(), Vector256.Create((sbyte)8));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q4_0(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        int nb = cols / 32;
        int k = 0;
        for (; k + 4 <= count; k += 4, a += 4 * aStride) Q4_0x4(w, a, aStride, nb, y + k * yStride, yStride);
        for (; k < count; k++, a += aStride)
        {
            var acc = Vector256<float>.Zero;
            byte* wb = w, ab = a;
            for (int b = 0; b < nb; b++, wb += 18, ab += 36)
            {
                if ((b & 3) == 0) Sse.Prefetch0(wb + PrefetchDistance);
                var qw = Q4_0Unpack(wb + 2);
                var dot = DotBytes(Avx2.Abs(qw), Avx2.Sign(Avx.LoadVector256((sbyte*)(ab + 4)), qw));
                acc = Fma256(Avx.ConvertToVector256Single(dot),
                    Vector256.Create(Fp16.Lookup(*(ushort*)wb) * *(float*)ab), acc);
            }
            y[k * yStride] = Vector256.Sum(acc);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Q4_0x4(byte* w, byte* a, long aStride, int nb, float* y, long yStride)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        byte* a0 = a, a1 = a + aStride, a2 = a + 2 * aStride, a3 = a + 3 * aStride;
        for (int b = 0; b < nb; b++, w += 18, a0 += 36, a1 += 36, a2 += 36, a3 += 36)
        {
            var qw = Q4_0Unpack(w + 2);
            var ax = Avx2.Abs(qw);
            float dw = Fp16.Lookup(*(ushort*)w);
            acc0 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax, Avx2.Sign(Avx.LoadVector256((sbyte*)(a0 + 4)), qw))),
                Vector256.Create(dw * *(float*)a0), acc0);
            acc1 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax, Avx2.Sign(Avx.LoadVector256((sbyte*)(a1 + 4)), qw))),
                Vector256.Create(dw * *(float*)a1), acc1);
            acc2 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax, Avx2.Sign(Avx.LoadVector256((sbyte*)(a2 + 4)), qw))),
                Vector256.Create(dw * *(float*)a2), acc2);
            acc3 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax, Avx2.Sign(Avx.LoadVector256((sbyte*)(a3 + 4)), qw))),
                Vector256.Create(dw * *(float*)a3), acc3);
        }
        y[0] = HSum(acc0);
        y[yStride] = HSum(acc1);
        y[2 * yStride] = HSum(acc2);
        y[3 * yStride] = HSum(acc3);
    }

    static readonly Vector256<byte> BitSpread = Vector256.Create(
        0x0000000000000000UL, 0x0101010101010101UL, 0x0202020202020202UL, 0x0303030303030303UL).AsByte();
    static readonly Vector256<byte> BitSelect = Vector256.Create(0x7fbfdfeff7fbfdfeUL).AsByte();

    /// <summary>32 bits to 32 bytes, 0xFF where the bit is set (ggml's bytes_from_bits_32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<byte> BytesFromBits(uint bits)
    {
        var spread = Avx2.Shuffle(Vector256.Create(bits).AsByte(), BitSpread);
        return Avx2.CompareEqual(Avx2.Or(spread, BitSelect), Vector256<byte>.AllBitsSet);
    }

    /// <summary>A Q5_0 block as signed bytes q - 16: the nibble, minus 16 where the fifth bit is clear.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<sbyte> Q5_0Unpack(byte* block)
    {
        var packed = Sse2.LoadVector128(block + 6);
        var nibbles = Avx2.And(Vector256.Create(packed, Sse2.ShiftRightLogical(packed.AsUInt16(), 4).AsByte()), Low4);
        var high = Avx2.AndNot(BytesFromBits(*(uint*)(block + 2)), Vector256.Create((byte)0xF0));
        return Avx2.Or(nibbles, high).AsSByte();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q5_0(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        int nb = cols / 32;
        int k = 0;
        for (; k + 4 <= count; k += 4, a += 4 * aStride) Q5_0x4(w, a, aStride, nb, y + k * yStride, yStride);
        for (; k < count; k++, a += aStride)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            byte* wb = w, ab = a;
            int b = 0;
            for (; b + 2 <= nb; b += 2, wb += 44, ab += 72)
            {
                Sse.Prefetch0(wb + PrefetchDistance);
                var q0 = Q5_0Unpack(wb);
                acc0 = Fma256(Avx.ConvertToVector256Single(DotBytes(Avx2.Abs(q0), Avx2.Sign(Avx.LoadVector256((sbyte*)(ab + 4)), q0))),
                    Vector256.Create(Fp16.Lookup(*(ushort*)wb) * *(float*)ab), acc0);
                var q1 = Q5_0Unpack(wb + 22);
                acc1 = Fma256(Avx.ConvertToVector256Single(DotBytes(Avx2.Abs(q1), Avx2.Sign(Avx.LoadVector256((sbyte*)(ab + 40)), q1))),
                    Vector256.Create(Fp16.Lookup(*(ushort*)(wb + 22)) * *(float*)(ab + 36)), acc1);
            }
            if (b < nb)
            {
                var q0 = Q5_0Unpack(wb);
                acc0 = Fma256(Avx.ConvertToVector256Single(DotBytes(Avx2.Abs(q0), Avx2.Sign(Avx.LoadVector256((sbyte*)(ab + 4)), q0))),
                    Vector256.Create(Fp16.Lookup(*(ushort*)wb) * *(float*)ab), acc0);
            }
            y[k * yStride] = Vector256.Sum(acc0 + acc1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Q5_0x4(byte* w, byte* a, long aStride, int nb, float* y, long yStride)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        byte* a0 = a, a1 = a + aStride, a2 = a + 2 * aStride, a3 = a + 3 * aStride;
        for (int b = 0; b < nb; b++, w += 22, a0 += 36, a1 += 36, a2 += 36, a3 += 36)
        {
            var qw = Q5_0Unpack(w);
            var ax = Avx2.Abs(qw);
            float dw = Fp16.Lookup(*(ushort*)w);
            acc0 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax, Avx2.Sign(Avx.LoadVector256((sbyte*)(a0 + 4)), qw))),
                Vector256.Create(dw * *(float*)a0), acc0);
            acc1 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax, Avx2.Sign(Avx.LoadVector256((sbyte*)(a1 + 4)), qw))),
                Vector256.Create(dw * *(float*)a1), acc1);
            acc2 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax, Avx2.Sign(Avx.LoadVector256((sbyte*)(a2 + 4)), qw))),
                Vector256.Create(dw * *(float*)a2), acc2);
            acc3 = Fma256(Avx.ConvertToVector256Single(DotBytes(ax, Avx2.Sign(Avx.LoadVector256((sbyte*)(a3 + 4)), qw))),
                Vector256.Create(dw * *(float*)a3), acc3);
        }
        y[0] = HSum(acc0);
        y[yStride] = HSum(acc1);
        y[2 * yStride] = HSum(acc2);
        y[3 * yStride] = HSum(acc3);
    }

    // ---------------------------------------------------------------- K-quants, Q8_K activations

    /// <summary>Unpacks Q4_K/Q5_K's 12 scale bytes into 8 scales and 8 mins (one byte each), as ggml's utmp trick.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void UnpackScalesMins(byte* s, out ulong scales, out ulong mins)
    {
        const uint kmask1 = 0x3f3f3f3f, kmask2 = 0x0f0f0f0f, kmask3 = 0x03030303;
        uint u0 = *(uint*)s, u1 = *(uint*)(s + 4), u2 = *(uint*)(s + 8);
        uint u3 = ((u2 >> 4) & kmask2) | (((u1 >> 6) & kmask3) << 4);
        uint m0 = u1 & kmask1;
        uint s1 = (u2 & kmask2) | (((u0 >> 6) & kmask3) << 4);
        uint s0 = u0 & kmask1;
        scales = s0 | ((ulong)s1 << 32);
        mins = m0 | ((ulong)u3 << 32);
    }

    /// <summary>sum_j mins_j * (bsums[2j] + bsums[2j+1]) as 8 int32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> MinsTimesBsums(ulong mins, byte* a)
    {
        var bsumPairs = Avx2.MultiplyAddAdjacent(Avx.LoadVector256((short*)(a + Q8K.BsumsOffset)), Ones16);
        var m = Avx2.ConvertToVector256Int32(Vector128.CreateScalar(mins).AsByte());
        return Avx2.MultiplyLow(bsumPairs, m);
    }

    /// <summary>
    /// Q4_K weights . Q8_K activations, one weight row. Each block's 8 int32 lane sums are folded to 4 lanes (lane i
    /// with lane i+4: bytes 4i..4i+3 and 16+4i..16+4i+3 of every 32) before the float scaling, so that the 2-row
    /// kernel <see cref="Q4KPair"/>, which gets those 4 lanes directly, computes exactly the same floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q4K(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        int nb = cols / 256;
        for (int k = 0; k < count; k++, a += aStride)
        {
            var acc = Vector128<float>.Zero;
            var accMin = Vector128<float>.Zero;
            byte* wb = w, ab = a;
            for (int b = 0; b < nb; b++, wb += Kernels.Q4K.BlockBytes, ab += Q8K.BlockBytes)
            {
                if (count == 1)
                {
                    Sse.Prefetch0(wb + PrefetchDistance);
                    Sse.Prefetch0(wb + PrefetchDistance + 64);
                    Sse.Prefetch0(wb + PrefetchDistance + 128);
                }
                float da = *(float*)ab;
                UnpackScalesMins(wb + Kernels.Q4K.ScalesOffset, out ulong scales, out ulong mins);
                var m = MinsTimesBsums(mins, ab);
                accMin = Fma.MultiplyAdd(Vector128.Create(-da * Fp16.Lookup(*(ushort*)(wb + 2))),
                    Sse2.ConvertToVector128Single(Sse2.Add(m.GetLower(), m.GetUpper())), accMin);

                byte* q = wb + Kernels.Q4K.QsOffset;
                sbyte* qa = (sbyte*)(ab + Q8K.QsOffset);
                var sumi = Vector256<int>.Zero;
                var sc = Vector256.Create(scales).AsByte();
                for (int j = 0; j < 4; j++, q += 32, qa += 64)
                {
                    var bits = Avx.LoadVector256(q);
                    var lo = Avx2.And(bits, Low4);
                    var hi = Avx2.And(Avx2.ShiftRightLogical(bits.AsUInt16(), 4).AsByte(), Low4);
                    var p0 = Avx2.MultiplyAddAdjacent(lo, Avx.LoadVector256(qa));
                    var p1 = Avx2.MultiplyAddAdjacent(hi, Avx.LoadVector256(qa + 32));
                    sumi = Avx2.Add(sumi, Avx2.MultiplyAddAdjacent(p0, Avx2.Shuffle(sc, SpreadByte0).AsInt16()));
                    sumi = Avx2.Add(sumi, Avx2.MultiplyAddAdjacent(p1, Avx2.Shuffle(sc, SpreadByte1).AsInt16()));
                    sc = Avx2.ShiftRightLogical(sc.AsUInt64(), 16).AsByte();
                }
                acc = Fma.MultiplyAdd(Vector128.Create(da * Fp16.Lookup(*(ushort*)wb)),
                    Sse2.ConvertToVector128Single(Sse2.Add(sumi.GetLower(), sumi.GetUpper())), acc);
            }
            y[k * yStride] = Vector128.Sum(acc + accMin);
        }
    }

    /// <summary>Byte shuffles that spread byte 0 (or 1) of each 128-bit lane over its 8 int16 lanes, zero-extended.</summary>
    static readonly Vector256<byte> SpreadByte0 = Vector256.Create((ushort)0xFF00).AsByte();
    static readonly Vector256<byte> SpreadByte1 = Vector256.Create((ushort)0xFF01).AsByte();

    /// <summary>
    /// Two Q4_K weight rows (w and w + wStride, outputs y[k*yStride] and y[k*yStride + 1]) times <c>count</c>
    /// activation rows, 4 at a time: the rows' 16-byte halves are paired in one register (row 0 in the low 128 bits,
    /// row 1 in the high), so the two byte products of each half-sub-block add in int16 and one multiply-add by the
    /// scales serves both halves: 3 multiplies per 32 weights x 2 rows instead of 4 (the multiply port is the limit).
    /// Same integer lane sums and float operations as <see cref="Q4K"/>, so the results are identical.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q4KPair(byte* w, long wStride, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        int nb = cols / 256;
        int k = 0;
        for (; k + 4 <= count; k += 4, a += 4 * aStride) Q4KPairx4(w, w + wStride, a, aStride, nb, y + k * yStride, yStride);
        if (k < count)
        {
            Q4K(w, a, aStride, cols, y + k * yStride, yStride, count - k);
            Q4K(w + wStride, a, aStride, cols, y + k * yStride + 1, yStride, count - k);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Q4KPairx4(byte* w0, byte* w1, byte* a, long aStride, int nb, float* y, long yStride)
    {
        byte* a0 = a, a1 = a + aStride, a2 = a + 2 * aStride, a3 = a + 3 * aStride;

        // pass 1, the minimum terms: per row, lane i gets mins_j * (bsums[2j] + bsums[2j+1]) for j = i and i + 4
        var min0 = Vector256<float>.Zero;
        var min1 = Vector256<float>.Zero;
        var min2 = Vector256<float>.Zero;
        var min3 = Vector256<float>.Zero;
        byte* wb0 = w0, wb1 = w1;
        for (int b = 0, o = 0; b < nb; b++, wb0 += Kernels.Q4K.BlockBytes, wb1 += Kernels.Q4K.BlockBytes, o += Q8K.BlockBytes)
        {
            UnpackScalesMins(wb0 + Kernels.Q4K.ScalesOffset, out _, out ulong mins0);
            UnpackScalesMins(wb1 + Kernels.Q4K.ScalesOffset, out _, out ulong mins1);
            // each min twice as int16, so one multiply-add gives mins_j * (bsums[2j] + bsums[2j+1])
            var m8 = Vector128.CreateScalar(mins0).AsByte();
            var m0 = Avx2.ConvertToVector256Int16(Sse2.UnpackLow(m8, m8));
            m8 = Vector128.CreateScalar(mins1).AsByte();
            var m1 = Avx2.ConvertToVector256Int16(Sse2.UnpackLow(m8, m8));
            var mA = Avx2.Permute2x128(m0, m1, 0x30); // row 0 mins 0-3 | row 1 mins 4-7
            var mB = Avx2.Permute2x128(m0, m1, 0x21); // row 0 mins 4-7 | row 1 mins 0-3
            var dmin = Vector256.Create(Vector128.Create(Fp16.Lookup(*(ushort*)(wb0 + 2))), Vector128.Create(Fp16.Lookup(*(ushort*)(wb1 + 2))));
            min0 = Fma256(Avx.Multiply(dmin, Vector256.Create(-*(float*)(a0 + o))), Avx.ConvertToVector256Single(PairMins(a0 + o, mA, mB)), min0);
            min1 = Fma256(Avx.Multiply(dmin, Vector256.Create(-*(float*)(a1 + o))), Avx.ConvertToVector256Single(PairMins(a1 + o, mA, mB)), min1);
            min2 = Fma256(Avx.Multiply(dmin, Vector256.Create(-*(float*)(a2 + o))), Avx.ConvertToVector256Single(PairMins(a2 + o, mA, mB)), min2);
            min3 = Fma256(Avx.Multiply(dmin, Vector256.Create(-*(float*)(a3 + o))), Avx.ConvertToVector256Single(PairMins(a3 + o, mA, mB)), min3);
        }

        // pass 2: the scaled sums
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        wb0 = w0;
        wb1 = w1;
        for (int b = 0; b < nb; b++, wb0 += Kernels.Q4K.BlockBytes, wb1 += Kernels.Q4K.BlockBytes,
             a0 += Q8K.BlockBytes, a1 += Q8K.BlockBytes, a2 += Q8K.BlockBytes, a3 += Q8K.BlockBytes)
        {
            UnpackScalesMins(wb0 + Kernels.Q4K.ScalesOffset, out ulong scales0, out _);
            UnpackScalesMins(wb1 + Kernels.Q4K.ScalesOffset, out ulong scales1, out _);
            var sc = Vector256.Create(Vector128.Create(scales0), Vector128.Create(scales1)).AsByte();
            byte* q0 = wb0 + Kernels.Q4K.QsOffset, q1 = wb1 + Kernels.Q4K.QsOffset;
            var s0 = Vector256<int>.Zero;
            var s1 = Vector256<int>.Zero;
            var s2 = Vector256<int>.Zero;
            var s3 = Vector256<int>.Zero;
            for (int j = 0, o = Q8K.QsOffset; j < 4; j++, o += 64)
            {
                var r0 = Avx.LoadVector256(q0 + 32 * j);
                var r1 = Avx.LoadVector256(q1 + 32 * j);
                var first = Avx2.Permute2x128(r0, r1, 0x20);  // bytes 0-15 of both rows
                var second = Avx2.Permute2x128(r0, r1, 0x31); // bytes 16-31
                var lo0 = Avx2.And(first, Low4);
                var lo1 = Avx2.And(second, Low4);
                var scl = Avx2.Shuffle(sc, SpreadByte0).AsInt16();
                s0 = Avx2.Add(s0, Avx2.MultiplyAddAdjacent(PairBytes(lo0, lo1, a0 + o), scl));
                s1 = Avx2.Add(s1, Avx2.MultiplyAddAdjacent(PairBytes(lo0, lo1, a1 + o), scl));
                s2 = Avx2.Add(s2, Avx2.MultiplyAddAdjacent(PairBytes(lo0, lo1, a2 + o), scl));
                s3 = Avx2.Add(s3, Avx2.MultiplyAddAdjacent(PairBytes(lo0, lo1, a3 + o), scl));
                var hi0 = Avx2.And(Avx2.ShiftRightLogical(first.AsUInt16(), 4).AsByte(), Low4);
                var hi1 = Avx2.And(Avx2.ShiftRightLogical(second.AsUInt16(), 4).AsByte(), Low4);
                var sch = Avx2.Shuffle(sc, SpreadByte1).AsInt16();
                sc = Avx2.ShiftRightLogical(sc.AsUInt64(), 16).AsByte();
                s0 = Avx2.Add(s0, Avx2.MultiplyAddAdjacent(PairBytes(hi0, hi1, a0 + o + 32), sch));
                s1 = Avx2.Add(s1, Avx2.MultiplyAddAdjacent(PairBytes(hi0, hi1, a1 + o + 32), sch));
                s2 = Avx2.Add(s2, Avx2.MultiplyAddAdjacent(PairBytes(hi0, hi1, a2 + o + 32), sch));
                s3 = Avx2.Add(s3, Avx2.MultiplyAddAdjacent(PairBytes(hi0, hi1, a3 + o + 32), sch));
            }
            var d = Vector256.Create(Vector128.Create(Fp16.Lookup(*(ushort*)wb0)), Vector128.Create(Fp16.Lookup(*(ushort*)wb1)));
            acc0 = Fma256(Avx.Multiply(d, Vector256.Create(*(float*)a0)), Avx.ConvertToVector256Single(s0), acc0);
            acc1 = Fma256(Avx.Multiply(d, Vector256.Create(*(float*)a1)), Avx.ConvertToVector256Single(s1), acc1);
            acc2 = Fma256(Avx.Multiply(d, Vector256.Create(*(float*)a2)), Avx.ConvertToVector256Single(s2), acc2);
            acc3 = Fma256(Avx.Multiply(d, Vector256.Create(*(float*)a3)), Avx.ConvertToVector256Single(s3), acc3);
        }
        StorePair(acc0 + min0, y);
        StorePair(acc1 + min1, y + yStride);
        StorePair(acc2 + min2, y + 2 * yStride);
        StorePair(acc3 + min3, y + 3 * yStride);
    }

    /// <summary>int16 sums of 4 byte products: the first 16 weight bytes of each row (<paramref name="first"/>, row 0
    /// low, row 1 high) with activation bytes 0-15, plus the second 16 with activation bytes 16-31.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<short> PairBytes(Vector256<byte> first, Vector256<byte> second, byte* a) =>
        Avx2.Add(Avx2.MultiplyAddAdjacent(first, Avx2.BroadcastVector128ToVector256((sbyte*)a)),
            Avx2.MultiplyAddAdjacent(second, Avx2.BroadcastVector128ToVector256((sbyte*)a + 16)));

    /// <summary>The minimum terms of two rows folded to 4 lanes each (lane i: subblocks i and i + 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> PairMins(byte* ab, Vector256<short> mA, Vector256<short> mB)
    {
        var bsums = Avx.LoadVector256((short*)(ab + Q8K.BsumsOffset));
        var swapped = Avx2.Permute4x64(bsums.AsInt64(), 0x4E).AsInt16();
        return Avx2.Add(Avx2.MultiplyAddAdjacent(bsums, mA), Avx2.MultiplyAddAdjacent(swapped, mB));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StorePair(Vector256<float> v, float* y)
    {
        y[0] = Vector128.Sum(v.GetLower());
        y[1] = Vector128.Sum(v.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q5K(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        int nb = cols / 256;
        var one = Vector256.Create((byte)1);
        for (int k = 0; k < count; k++, a += aStride)
        {
            var acc = Vector256<float>.Zero;
            var accMin = Vector256<float>.Zero;
            byte* wb = w, ab = a;
            for (int b = 0; b < nb; b++, wb += Kernels.Q5K.BlockBytes, ab += Q8K.BlockBytes)
            {
                if (count == 1)
                {
                    Sse.Prefetch0(wb + PrefetchDistance);
                    Sse.Prefetch0(wb + PrefetchDistance + 64);
                    Sse.Prefetch0(wb + PrefetchDistance + 128);
                }
                float da = *(float*)ab;
                UnpackScalesMins(wb + Kernels.Q5K.ScalesOffset, out ulong scales, out ulong mins);
                accMin = Fma256(Vector256.Create(-da * Fp16.Lookup(*(ushort*)(wb + 2))),
                    Avx.ConvertToVector256Single(MinsTimesBsums(mins, ab)), accMin);

                byte* q = wb + Kernels.Q5K.QsOffset;
                var hbits = Avx.LoadVector256(wb + Kernels.Q5K.QhOffset).AsUInt16();
                sbyte* qa = (sbyte*)(ab + Q8K.QsOffset);
                var sumi = Vector256<int>.Zero;
                for (int j = 0; j < 4; j++, q += 32, qa += 64, scales >>= 16)
                {
                    var bits = Avx.LoadVector256(q);
                    var hb0 = Avx2.And(Avx2.ShiftRightLogical(hbits, (byte)(2 * j)).AsByte(), one);
                    var hb1 = Avx2.And(Avx2.ShiftRightLogical(hbits, (byte)(2 * j + 1)).AsByte(), one);
                    var lo = Avx2.Or(Avx2.And(bits, Low4), Avx2.ShiftLeftLogical(hb0.AsUInt16(), 4).AsByte());
                    var hi = Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(bits.AsUInt16(), 4).AsByte(), Low4),
                        Avx2.ShiftLeftLogical(hb1.AsUInt16(), 4).AsByte());
                    var p0 = Avx2.MultiplyAddAdjacent(lo, Avx.LoadVector256(qa));
                    var p1 = Avx2.MultiplyAddAdjacent(hi, Avx.LoadVector256(qa + 32));
                    sumi = Avx2.Add(sumi, Avx2.MultiplyAddAdjacent(p0, Vector256.Create((short)(byte)scales)));
                    sumi = Avx2.Add(sumi, Avx2.MultiplyAddAdjacent(p1, Vector256.Create((short)(byte)(scales >> 8))));
                }
                acc = Fma256(Vector256.Create(da * Fp16.Lookup(*(ushort*)wb)), Avx.ConvertToVector256Single(sumi), acc);
            }
            y[k * yStride] = Vector256.Sum(acc + accMin);
        }
    }

    /// <summary>For each quarter q (0..7) of a Q6_K block: a byte shuffle that spreads scale 2q over the first 8
    /// int16 lanes and scale 2q+1 over the last 8.</summary>
    static readonly Vector128<sbyte>[] Q6ScaleShuffle = BuildQ6ScaleShuffle();

    static Vector128<sbyte>[] BuildQ6ScaleShuffle()
    {
        var masks = new Vector128<sbyte>[8];
        for (int q = 0; q < 8; q++)
        {
            var m = new sbyte[16];
            for (int i = 0; i < 16; i++) m[i] = (sbyte)(i < 8 ? 2 * q : 2 * q + 1);
            masks[q] = Vector128.Create(m);
        }
        return masks;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q6K(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        int nb = cols / 256;
        var m3 = Vector256.Create((byte)3);
        var m30 = Vector256.Create((byte)0x30);
        fixed (Vector128<sbyte>* shuffles = Q6ScaleShuffle)
        {
            int k = 0;
            for (; k + 4 <= count; k += 4, a += 4 * aStride) Q6Kx4(w, a, aStride, nb, y + k * yStride, yStride, shuffles);
            for (; k < count; k++, a += aStride)
            {
                var acc = Vector256<float>.Zero;
                byte* wb = w, ab = a;
                for (int b = 0; b < nb; b++, wb += Kernels.Q6K.BlockBytes, ab += Q8K.BlockBytes)
                {
                    if (count == 1)
                    {
                        Sse.Prefetch0(wb + PrefetchDistance);
                        Sse.Prefetch0(wb + PrefetchDistance + 64);
                        Sse.Prefetch0(wb + PrefetchDistance + 128);
                        Sse.Prefetch0(wb + PrefetchDistance + 192);
                    }
                    var sc8 = Sse2.LoadVector128((sbyte*)(wb + Kernels.Q6K.ScalesOffset));
                    // q - 32: fold the 32 into the activation sums, sum_j sc_j * bsum_j
                    var sc16 = Avx2.ConvertToVector256Int16(sc8);
                    var offset = Avx2.MultiplyAddAdjacent(Avx.LoadVector256((short*)(ab + Q8K.BsumsOffset)), sc16);
                    var sumi = Avx2.Subtract(Vector256<int>.Zero, Avx2.ShiftLeftLogical(offset, 5));

                    byte* ql = wb, qh = wb + Kernels.Q6K.QhOffset;
                    sbyte* qa = (sbyte*)(ab + Q8K.QsOffset);
                    for (int h = 0; h < 2; h++, ql += 64, qh += 32, qa += 128)
                    {
                        var l0 = Avx.LoadVector256(ql);
                        var l1 = Avx.LoadVector256(ql + 32);
                        var hb = Avx.LoadVector256(qh);
                        var hb16 = hb.AsUInt16();
                        var q0 = Avx2.Or(Avx2.And(l0, Low4), Avx2.ShiftLeftLogical(Avx2.And(hb, m3).AsUInt16(), 4).AsByte());
                        var q1 = Avx2.Or(Avx2.And(l1, Low4), Avx2.ShiftLeftLogical(Avx2.And(Avx2.ShiftRightLogical(hb16, 2).AsByte(), m3).AsUInt16(), 4).AsByte());
                        var q2 = Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(l0.AsUInt16(), 4).AsByte(), Low4), Avx2.And(hb, m30));
                        var q3 = Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(l1.AsUInt16(), 4).AsByte(), Low4), Avx2.And(Avx2.ShiftRightLogical(hb16, 2).AsByte(), m30));
                        var p0 = Avx2.MultiplyAddAdjacent(q0, Avx.LoadVector256(qa));
                        var p1 = Avx2.MultiplyAddAdjacent(q1, Avx.LoadVector256(qa + 32));
                        var p2 = Avx2.MultiplyAddAdjacent(q2, Avx.LoadVector256(qa + 64));
                        var p3 = Avx2.MultiplyAddAdjacent(q3, Avx.LoadVector256(qa + 96));
                        int s = 4 * h;
                        sumi = Avx2.Add(sumi, Avx2.MultiplyAddAdjacent(p0, Avx2.ConvertToVector256Int16(Ssse3.Shuffle(sc8, shuffles[s]))));
                        sumi = Avx2.Add(sumi, Avx2.MultiplyAddAdjacent(p1, Avx2.ConvertToVector256Int16(Ssse3.Shuffle(sc8, shuffles[s + 1]))));
                        sumi = Avx2.Add(sumi, Avx2.MultiplyAddAdjacent(p2, Avx2.ConvertToVector256Int16(Ssse3.Shuffle(sc8, shuffles[s + 2]))));
                        sumi = Avx2.Add(sumi, Avx2.MultiplyAddAdjacent(p3, Avx2.ConvertToVector256Int16(Ssse3.Shuffle(sc8, shuffles[s + 3]))));
                    }
                    float d = *(float*)ab * Fp16.Lookup(*(ushort*)(wb + Kernels.Q6K.DOffset));
                    acc = Fma256(Vector256.Create(d), Avx.ConvertToVector256Single(sumi), acc);
                }
                y[k * yStride] = Vector256.Sum(acc);
            }
        }
    }

    /// <summary>
    /// One Q6_K weight row times 4 activation rows: each quarter of a half block (32 weights) is unpacked and its
    /// scales spread once, then multiplied with all 4 rows. Exactly what <see cref="Q6K"/> computes for one row (same
    /// integer lane sums, same float operations in the same order).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Q6Kx4(byte* w, byte* a, long aStride, int nb, float* y, long yStride, Vector128<sbyte>* shuffles)
    {
        byte* a0 = a, a1 = a + aStride, a2 = a + 2 * aStride, a3 = a + 3 * aStride;
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        byte* wb = w;
        for (int b = 0; b < nb; b++, wb += Kernels.Q6K.BlockBytes, a0 += Q8K.BlockBytes, a1 += Q8K.BlockBytes, a2 += Q8K.BlockBytes, a3 += Q8K.BlockBytes)
        {
            var sc8 = Sse2.LoadVector128((sbyte*)(wb + Kernels.Q6K.ScalesOffset));
            var sc16 = Avx2.ConvertToVector256Int16(sc8);
            // q - 32: fold the 32 into the activation sums, sum_j sc_j * bsum_j
            var s0 = Avx2.Subtract(Vector256<int>.Zero, Avx2.ShiftLeftLogical(Avx2.MultiplyAddAdjacent(Avx.LoadVector256((short*)(a0 + Q8K.BsumsOffset)), sc16), 5));
            var s1 = Avx2.Subtract(Vector256<int>.Zero, Avx2.ShiftLeftLogical(Avx2.MultiplyAddAdjacent(Avx.LoadVector256((short*)(a1 + Q8K.BsumsOffset)), sc16), 5));
            var s2 = Avx2.Subtract(Vector256<int>.Zero, Avx2.ShiftLeftLogical(Avx2.MultiplyAddAdjacent(Avx.LoadVector256((short*)(a2 + Q8K.BsumsOffset)), sc16), 5));
            var s3 = Avx2.Subtract(Vector256<int>.Zero, Avx2.ShiftLeftLogical(Avx2.MultiplyAddAdjacent(Avx.LoadVector256((short*)(a3 + Q8K.BsumsOffset)), sc16), 5));
            byte* ql = wb, qh = wb + Kernels.Q6K.QhOffset;
            for (int h = 0, o = Q8K.QsOffset; h < 2; h++, ql += 64, qh += 32, o += 128)
            {
                var l0 = Avx.LoadVector256(ql);
                var l1 = Avx.LoadVector256(ql + 32);
                var hb = Avx.LoadVector256(qh);
                var q = Avx2.Or(Avx2.And(l0, Low4), Avx2.ShiftLeftLogical(Avx2.And(hb, Vector256.Create((byte)3)).AsUInt16(), 4).AsByte());
                var sc = Avx2.ConvertToVector256Int16(Ssse3.Shuffle(sc8, shuffles[4 * h]));
                s0 = Avx2.Add(s0, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a0 + o))), sc));
                s1 = Avx2.Add(s1, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a1 + o))), sc));
                s2 = Avx2.Add(s2, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a2 + o))), sc));
                s3 = Avx2.Add(s3, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a3 + o))), sc));
                q = Avx2.Or(Avx2.And(l1, Low4), Avx2.ShiftLeftLogical(Avx2.And(Avx2.ShiftRightLogical(hb.AsUInt16(), 2).AsByte(), Vector256.Create((byte)3)).AsUInt16(), 4).AsByte());
                sc = Avx2.ConvertToVector256Int16(Ssse3.Shuffle(sc8, shuffles[4 * h + 1]));
                s0 = Avx2.Add(s0, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a0 + o + 32))), sc));
                s1 = Avx2.Add(s1, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a1 + o + 32))), sc));
                s2 = Avx2.Add(s2, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a2 + o + 32))), sc));
                s3 = Avx2.Add(s3, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a3 + o + 32))), sc));
                q = Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(l0.AsUInt16(), 4).AsByte(), Low4), Avx2.And(hb, Vector256.Create((byte)0x30)));
                sc = Avx2.ConvertToVector256Int16(Ssse3.Shuffle(sc8, shuffles[4 * h + 2]));
                s0 = Avx2.Add(s0, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a0 + o + 64))), sc));
                s1 = Avx2.Add(s1, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a1 + o + 64))), sc));
                s2 = Avx2.Add(s2, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a2 + o + 64))), sc));
                s3 = Avx2.Add(s3, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a3 + o + 64))), sc));
                q = Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(l1.AsUInt16(), 4).AsByte(), Low4), Avx2.And(Avx2.ShiftRightLogical(hb.AsUInt16(), 2).AsByte(), Vector256.Create((byte)0x30)));
                sc = Avx2.ConvertToVector256Int16(Ssse3.Shuffle(sc8, shuffles[4 * h + 3]));
                s0 = Avx2.Add(s0, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a0 + o + 96))), sc));
                s1 = Avx2.Add(s1, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a1 + o + 96))), sc));
                s2 = Avx2.Add(s2, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a2 + o + 96))), sc));
                s3 = Avx2.Add(s3, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Avx.LoadVector256((sbyte*)(a3 + o + 96))), sc));
            }
            float d = Fp16.Lookup(*(ushort*)(wb + Kernels.Q6K.DOffset));
            acc0 = Fma256(Vector256.Create(*(float*)a0 * d), Avx.ConvertToVector256Single(s0), acc0);
            acc1 = Fma256(Vector256.Create(*(float*)a1 * d), Avx.ConvertToVector256Single(s1), acc1);
            acc2 = Fma256(Vector256.Create(*(float*)a2 * d), Avx.ConvertToVector256Single(s2), acc2);
            acc3 = Fma256(Vector256.Create(*(float*)a3 * d), Avx.ConvertToVector256Single(s3), acc3);
        }
        y[0] = Vector256.Sum(acc0);
        y[yStride] = Vector256.Sum(acc1);
        y[2 * yStride] = Vector256.Sum(acc2);
        y[3 * yStride] = Vector256.Sum(acc3);
    }

    // ---------------------------------------------------------------- float weights

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void F32(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        for (int k = 0; k < count; k++, a += aStride)
        {
            float* wf = (float*)w, af = (float*)a;
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            int i = 0;
            for (; i + 16 <= cols; i += 16)
            {
                acc0 = Fma256(Avx.LoadVector256(wf + i), Avx.LoadVector256(af + i), acc0);
                acc1 = Fma256(Avx.LoadVector256(wf + i + 8), Avx.LoadVector256(af + i + 8), acc1);
            }
            float sum = Vector256.Sum(acc0 + acc1);
            for (; i < cols; i++) sum += wf[i] * af[i];
            y[k * yStride] = sum;
        }
    }

    /// <summary>8 IEEE halves to floats with integer operations (no F16C intrinsics in .NET): rebias the exponent,
    /// fix up zero/subnormal inputs with a float subtraction and infinities/NaN with a second rebias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HalfToSingle(Vector128<ushort> h)
    {
        var x = Avx2.ConvertToVector256Int32(h).AsUInt32();
        var sign = Avx2.ShiftLeftLogical(Avx2.And(x, Vector256.Create(0x8000u)), 16);
        var em = Avx2.ShiftLeftLogical(Avx2.And(x, Vector256.Create(0x7FFFu)), 13);
        var exp = Avx2.And(em, Vector256.Create(0x0F800000u));
        var normal = Avx2.Add(em, Vector256.Create(0x38000000u));
        var infNan = Avx2.Add(normal, Vector256.Create(0x38000000u));
        var sub = Avx.Subtract(Avx2.Add(em, Vector256.Create(0x38800000u)).AsSingle(), Vector256.Create(0x38800000u).AsSingle()).AsUInt32();
        var r = Avx2.BlendVariable(normal, infNan, Avx2.CompareEqual(exp, Vector256.Create(0x0F800000u)));
        r = Avx2.BlendVariable(r, sub, Avx2.CompareEqual(exp, Vector256<uint>.Zero));
        return Avx2.Or(r, sign).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void F16(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        for (int k = 0; k < count; k++, a += aStride)
        {
            ushort* wh = (ushort*)w;
            float* af = (float*)a;
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            int i = 0;
            for (; i + 16 <= cols; i += 16)
            {
                acc0 = Fma256(HalfToSingle(Sse2.LoadVector128(wh + i)), Avx.LoadVector256(af + i), acc0);
                acc1 = Fma256(HalfToSingle(Sse2.LoadVector128(wh + i + 8)), Avx.LoadVector256(af + i + 8), acc1);
            }
            float sum = Vector256.Sum(acc0 + acc1);
            for (; i < cols; i++) sum += Fp16.ToFloat(wh[i]) * af[i];
            y[k * yStride] = sum;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BF16(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        for (int k = 0; k < count; k++, a += aStride)
        {
            ushort* wh = (ushort*)w;
            float* af = (float*)a;
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            int i = 0;
            for (; i + 16 <= cols; i += 16)
            {
                var w0 = Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(Sse2.LoadVector128(wh + i)), 16).AsSingle();
                var w1 = Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(Sse2.LoadVector128(wh + i + 8)), 16).AsSingle();
                acc0 = Fma256(w0, Avx.LoadVector256(af + i), acc0);
                acc1 = Fma256(w1, Avx.LoadVector256(af + i + 8), acc1);
            }
            float sum = Vector256.Sum(acc0 + acc1);
            for (; i < cols; i++) sum += Fp16.Bf16ToFloat(wh[i]) * af[i];
            y[k * yStride] = sum;
        }
    }
}
