using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Hearth.Engine.Kernels;

/// <summary>
/// 512-bit x86 kernels (AVX-512 F/BW) for the K-quants. One zmm holds a pair of 32-element sub-blocks, which in
/// Q4_K/Q5_K/Q6_K sit side by side in the activation block, so each multiply covers 64 weights. With several
/// activation rows, a weight block is unpacked once and its vectors reused for 4 rows.
/// </summary>
internal static unsafe class Avx512Kernels
{
    public static bool IsSupported => Avx512BW.IsSupported && Avx512F.IsSupported && Avx2Kernels.IsSupported;

    static readonly Vector512<short> Ones16 = Vector512.Create((short)1);
    static readonly Vector512<byte> Low4 = Vector512.Create((byte)0x0F);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> Fma512(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);

    /// <summary>u8 x s8 products summed per 4 bytes into 16 int32 lanes, each int16 pair weighted by a scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<int> ScaledDot(Vector512<byte> q, sbyte* a, Vector512<short> scale) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(q, Avx512F.LoadVector512(a)), scale);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<short> Spread(Vector512<short> scales, Vector512<short> index) => Avx512BW.PermuteVar32x16(scales, index);

    /// <summary>Index vectors that spread int16 scale pairs (2j, 2j+1) over 16 lanes each.</summary>
    static readonly Vector512<short>[] PairIndex = BuildIndex(4, 2, 16);

    /// <summary>Index vectors that spread Q6_K scales 4q..4q+3 over 8 lanes each.</summary>
    static readonly Vector512<short>[] QuadIndex = BuildIndex(4, 4, 8);

    static Vector512<short>[] BuildIndex(int count, int per, int lanes)
    {
        var r = new Vector512<short>[count];
        for (int j = 0; j < count; j++)
        {
            var v = new short[32];
            for (int i = 0; i < 32; i++) v[i] = (short)(j * per + i / lanes);
            r[j] = Vector512.Create(v);
        }
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<short> Widen8(ulong bytes) =>
        Avx512BW.ConvertToVector512Int16(Vector256.Create(Vector128.CreateScalar(bytes).AsByte(), Vector128<byte>.Zero));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<byte> Nibbles(byte* q)
    {
        var bits = Avx.LoadVector256(q);
        var both = Vector512.Create(bits, Avx2.ShiftRightLogical(bits.AsUInt16(), 4).AsByte());
        return Avx512F.And(both, Low4);
    }

    /// <summary>mins . (bsum pairs) for one activation block, as 8 int32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> MinsTimesBsums(Vector256<int> mins, byte* a)
    {
        var bsumPairs = Avx2.MultiplyAddAdjacent(Avx.LoadVector256((short*)(a + Q8K.BsumsOffset)), Vector256.Create((short)1));
        return Avx2.MultiplyLow(bsumPairs, mins);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Sum(Vector512<float> v) => Vector512.Sum(v);

    // ---------------------------------------------------------------- Q4_K and Q5_K

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q4K(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count) =>
        ScaleMinK(w, a, aStride, cols, y, yStride, count, fiveBit: false);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q5K(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count) =>
        ScaleMinK(w, a, aStride, cols, y, yStride, count, fiveBit: true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void ScaleMinK(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count, bool fiveBit)
    {
        int nb = cols / 256;
        int k = 0;
        fixed (Vector512<short>* index = PairIndex)
        {
            for (; k + 4 <= count; k += 4) ScaleMinKx4(w, a + k * aStride, aStride, nb, y + k * yStride, yStride, index, fiveBit);
            for (; k < count; k++) y[k * yStride] = ScaleMinKx1(w, a + k * aStride, nb, index, fiveBit);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<byte> FifthBits(Vector256<ushort> qh, int j)
    {
        var one = Vector256.Create((byte)1);
        var lo = Avx2.And(Avx2.ShiftRightLogical(qh, (byte)(2 * j)).AsByte(), one);
        var hi = Avx2.And(Avx2.ShiftRightLogical(qh, (byte)(2 * j + 1)).AsByte(), one);
        return Avx512BW.ShiftLeftLogical(Vector512.Create(lo, hi).AsUInt16(), 4).AsByte();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float ScaleMinKx1(byte* w, byte* a, int nb, Vector512<short>* index, bool fiveBit)
    {
        int blockBytes = fiveBit ? Kernels.Q5K.BlockBytes : Kernels.Q4K.BlockBytes;
        int qsOffset = fiveBit ? Kernels.Q5K.QsOffset : Kernels.Q4K.QsOffset;
        var acc = Vector512<float>.Zero;
        var accMin = Vector256<float>.Zero;
        for (int b = 0; b < nb; b++, w += blockBytes, a += Q8K.BlockBytes)
        {
            // decode streams the weights from RAM: prefetch ahead, as Avx2Kernels does
            Sse.Prefetch0(w + Avx2Kernels.PrefetchDistance);
            Sse.Prefetch0(w + Avx2Kernels.PrefetchDistance + 64);
            Sse.Prefetch0(w + Avx2Kernels.PrefetchDistance + 128);
            float da = *(float*)a;
            UnpackScalesMins(w + 4, out ulong scales, out ulong mins);
            var minsV = Avx2.ConvertToVector256Int32(Vector128.CreateScalar(mins).AsByte());
            accMin = Fma.MultiplyAdd(Vector256.Create(-da * Fp16.Lookup(*(ushort*)(w + 2))),
                Avx.ConvertToVector256Single(MinsTimesBsums(minsV, a)), accMin);
            var sc = Widen8(scales);
            byte* q = w + qsOffset;
            sbyte* qa = (sbyte*)(a + Q8K.QsOffset);
            var qh = fiveBit ? Avx.LoadVector256(w + Kernels.Q5K.QhOffset).AsUInt16() : default;
            var sumi = Vector512<int>.Zero;
            for (int j = 0; j < 4; j++, q += 32, qa += 64)
            {
                var qv = Nibbles(q);
                if (fiveBit) qv = Avx512F.Or(qv, FifthBits(qh, j));
                sumi = Avx512F.Add(sumi, ScaledDot(qv, qa, Spread(sc, index[j])));
            }
            acc = Fma512(Vector512.Create(da * Fp16.Lookup(*(ushort*)w)), Avx512F.ConvertToVector512Single(sumi), acc);
        }
        return Sum(acc) + Vector256.Sum(accMin);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void ScaleMinKx4(byte* w, byte* a, long aStride, int nb, float* y, long yStride, Vector512<short>* index, bool fiveBit)
    {
        int blockBytes = fiveBit ? Kernels.Q5K.BlockBytes : Kernels.Q4K.BlockBytes;
        int qsOffset = fiveBit ? Kernels.Q5K.QsOffset : Kernels.Q4K.QsOffset;
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        var acc2 = Vector512<float>.Zero;
        var acc3 = Vector512<float>.Zero;
        var min0 = Vector256<float>.Zero;
        var min1 = Vector256<float>.Zero;
        var min2 = Vector256<float>.Zero;
        var min3 = Vector256<float>.Zero;
        byte* a0 = a, a1 = a + aStride, a2 = a + 2 * aStride, a3 = a + 3 * aStride;
        for (int b = 0; b < nb; b++, w += blockBytes, a0 += Q8K.BlockBytes, a1 += Q8K.BlockBytes, a2 += Q8K.BlockBytes, a3 += Q8K.BlockBytes)
        {
            UnpackScalesMins(w + 4, out ulong scales, out ulong mins);
            var minsV = Avx2.ConvertToVector256Int32(Vector128.CreateScalar(mins).AsByte());
            float dw = Fp16.Lookup(*(ushort*)w), dmin = -Fp16.Lookup(*(ushort*)(w + 2));
            min0 = Fma.MultiplyAdd(Vector256.Create(dmin * *(float*)a0), Avx.ConvertToVector256Single(MinsTimesBsums(minsV, a0)), min0);
            min1 = Fma.MultiplyAdd(Vector256.Create(dmin * *(float*)a1), Avx.ConvertToVector256Single(MinsTimesBsums(minsV, a1)), min1);
            min2 = Fma.MultiplyAdd(Vector256.Create(dmin * *(float*)a2), Avx.ConvertToVector256Single(MinsTimesBsums(minsV, a2)), min2);
            min3 = Fma.MultiplyAdd(Vector256.Create(dmin * *(float*)a3), Avx.ConvertToVector256Single(MinsTimesBsums(minsV, a3)), min3);

            var sc = Widen8(scales);
            byte* q = w + qsOffset;
            var qh = fiveBit ? Avx.LoadVector256(w + Kernels.Q5K.QhOffset).AsUInt16() : default;
            var s0 = Vector512<int>.Zero;
            var s1 = Vector512<int>.Zero;
            var s2 = Vector512<int>.Zero;
            var s3 = Vector512<int>.Zero;
            for (int j = 0; j < 4; j++, q += 32)
            {
                var qv = Nibbles(q);
                if (fiveBit) qv = Avx512F.Or(qv, FifthBits(qh, j));
                var scale = Spread(sc, index[j]);
                int off = Q8K.QsOffset + 64 * j;
                s0 = Avx512F.Add(s0, ScaledDot(qv, (sbyte*)(a0 + off), scale));
                s1 = Avx512F.Add(s1, ScaledDot(qv, (sbyte*)(a1 + off), scale));
                s2 = Avx512F.Add(s2, ScaledDot(qv, (sbyte*)(a2 + off), scale));
                s3 = Avx512F.Add(s3, ScaledDot(qv, (sbyte*)(a3 + off), scale));
            }
            acc0 = Fma512(Vector512.Create(dw * *(float*)a0), Avx512F.ConvertToVector512Single(s0), acc0);
            acc1 = Fma512(Vector512.Create(dw * *(float*)a1), Avx512F.ConvertToVector512Single(s1), acc1);
            acc2 = Fma512(Vector512.Create(dw * *(float*)a2), Avx512F.ConvertToVector512Single(s2), acc2);
            acc3 = Fma512(Vector512.Create(dw * *(float*)a3), Avx512F.ConvertToVector512Single(s3), acc3);
        }
        y[0] = Sum(acc0) + Vector256.Sum(min0);
        y[yStride] = Sum(acc1) + Vector256.Sum(min1);
        y[2 * yStride] = Sum(acc2) + Vector256.Sum(min2);
        y[3 * yStride] = Sum(acc3) + Vector256.Sum(min3);
    }

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

    // ---------------------------------------------------------------- Q6_K

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q6K(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        int nb = cols / 256;
        int k = 0;
        fixed (Vector512<short>* index = QuadIndex)
        {
            for (; k + 4 <= count; k += 4) Q6Kx4(w, a + k * aStride, aStride, nb, y + k * yStride, yStride, index);
            for (; k < count; k++) y[k * yStride] = Q6Kx1(w, a + k * aStride, nb, index);
        }
    }

    /// <summary>One half (128 weights) of a Q6_K block as two zmm of 6-bit values: quarters 0|1 and 2|3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Q6Half(byte* ql, byte* qh, out Vector512<byte> q01, out Vector512<byte> q23)
    {
        var l = Avx512F.LoadVector512(ql);
        var h = Avx.LoadVector256(qh);
        var hh = Vector512.Create(h, Avx2.ShiftRightLogical(h.AsUInt16(), 2).AsByte());
        q01 = Avx512F.Or(Avx512F.And(l, Low4), Avx512BW.ShiftLeftLogical(Avx512F.And(hh, Vector512.Create((byte)3)).AsUInt16(), 4).AsByte());
        q23 = Avx512F.Or(Avx512F.And(Avx512BW.ShiftRightLogical(l.AsUInt16(), 4).AsByte(), Low4), Avx512F.And(hh, Vector512.Create((byte)0x30)));
    }

    /// <summary>-32 * sum_j sc_j * bsum_j: the q - 32 offset folded into the activation sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> Q6Offset(Vector256<short> sc16, byte* a) =>
        Avx2.ShiftLeftLogical(Avx2.MultiplyAddAdjacent(Avx.LoadVector256((short*)(a + Q8K.BsumsOffset)), sc16), 5);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float Q6Kx1(byte* w, byte* a, int nb, Vector512<short>* index)
    {
        var acc = Vector512<float>.Zero;
        var accOff = Vector256<float>.Zero;
        for (int b = 0; b < nb; b++, w += Kernels.Q6K.BlockBytes, a += Q8K.BlockBytes)
        {
            Sse.Prefetch0(w + Avx2Kernels.PrefetchDistance);
            Sse.Prefetch0(w + Avx2Kernels.PrefetchDistance + 64);
            Sse.Prefetch0(w + Avx2Kernels.PrefetchDistance + 128);
            Sse.Prefetch0(w + Avx2Kernels.PrefetchDistance + 192);
            var sc8 = Sse2.LoadVector128((sbyte*)(w + Kernels.Q6K.ScalesOffset));
            var sc16 = Avx2.ConvertToVector256Int16(sc8);
            var sc = Vector512.Create(sc16, Vector256<short>.Zero);
            float d = *(float*)a * Fp16.Lookup(*(ushort*)(w + Kernels.Q6K.DOffset));
            accOff = Fma.MultiplyAdd(Vector256.Create(-d), Avx.ConvertToVector256Single(Q6Offset(sc16, a)), accOff);
            var sumi = Vector512<int>.Zero;
            sbyte* qa = (sbyte*)(a + Q8K.QsOffset);
            for (int h = 0; h < 2; h++, qa += 128)
            {
                Q6Half(w + 64 * h, w + Kernels.Q6K.QhOffset + 32 * h, out var q01, out var q23);
                sumi = Avx512F.Add(sumi, ScaledDot(q01, qa, Spread(sc, index[2 * h])));
                sumi = Avx512F.Add(sumi, ScaledDot(q23, qa + 64, Spread(sc, index[2 * h + 1])));
            }
            acc = Fma512(Vector512.Create(d), Avx512F.ConvertToVector512Single(sumi), acc);
        }
        return Sum(acc) + Vector256.Sum(accOff);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Q6Kx4(byte* w, byte* a, long aStride, int nb, float* y, long yStride, Vector512<short>* index)
    {
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        var acc2 = Vector512<float>.Zero;
        var acc3 = Vector512<float>.Zero;
        var off0 = Vector256<float>.Zero;
        var off1 = Vector256<float>.Zero;
        var off2 = Vector256<float>.Zero;
        var off3 = Vector256<float>.Zero;
        byte* a0 = a, a1 = a + aStride, a2 = a + 2 * aStride, a3 = a + 3 * aStride;
        for (int b = 0; b < nb; b++, w += Kernels.Q6K.BlockBytes, a0 += Q8K.BlockBytes, a1 += Q8K.BlockBytes, a2 += Q8K.BlockBytes, a3 += Q8K.BlockBytes)
        {
            var sc8 = Sse2.LoadVector128((sbyte*)(w + Kernels.Q6K.ScalesOffset));
            var sc16 = Avx2.ConvertToVector256Int16(sc8);
            var sc = Vector512.Create(sc16, Vector256<short>.Zero);
            float dw = Fp16.Lookup(*(ushort*)(w + Kernels.Q6K.DOffset));
            float d0 = dw * *(float*)a0, d1 = dw * *(float*)a1, d2 = dw * *(float*)a2, d3 = dw * *(float*)a3;
            off0 = Fma.MultiplyAdd(Vector256.Create(-d0), Avx.ConvertToVector256Single(Q6Offset(sc16, a0)), off0);
            off1 = Fma.MultiplyAdd(Vector256.Create(-d1), Avx.ConvertToVector256Single(Q6Offset(sc16, a1)), off1);
            off2 = Fma.MultiplyAdd(Vector256.Create(-d2), Avx.ConvertToVector256Single(Q6Offset(sc16, a2)), off2);
            off3 = Fma.MultiplyAdd(Vector256.Create(-d3), Avx.ConvertToVector256Single(Q6Offset(sc16, a3)), off3);
            var s0 = Vector512<int>.Zero;
            var s1 = Vector512<int>.Zero;
            var s2 = Vector512<int>.Zero;
            var s3 = Vector512<int>.Zero;
            for (int h = 0; h < 2; h++)
            {
                Q6Half(w + 64 * h, w + Kernels.Q6K.QhOffset + 32 * h, out var q01, out var q23);
                var sa = Spread(sc, index[2 * h]);
                var sb = Spread(sc, index[2 * h + 1]);
                int off = Q8K.QsOffset + 128 * h;
                s0 = Avx512F.Add(s0, Avx512F.Add(ScaledDot(q01, (sbyte*)(a0 + off), sa), ScaledDot(q23, (sbyte*)(a0 + off + 64), sb)));
                s1 = Avx512F.Add(s1, Avx512F.Add(ScaledDot(q01, (sbyte*)(a1 + off), sa), ScaledDot(q23, (sbyte*)(a1 + off + 64), sb)));
                s2 = Avx512F.Add(s2, Avx512F.Add(ScaledDot(q01, (sbyte*)(a2 + off), sa), ScaledDot(q23, (sbyte*)(a2 + off + 64), sb)));
                s3 = Avx512F.Add(s3, Avx512F.Add(ScaledDot(q01, (sbyte*)(a3 + off), sa), ScaledDot(q23, (sbyte*)(a3 + off + 64), sb)));
            }
            acc0 = Fma512(Vector512.Create(d0), Avx512F.ConvertToVector512Single(s0), acc0);
            acc1 = Fma512(Vector512.Create(d1), Avx512F.ConvertToVector512Single(s1), acc1);
            acc2 = Fma512(Vector512.Create(d2), Avx512F.ConvertToVector512Single(s2), acc2);
            acc3 = Fma512(Vector512.Create(d3), Avx512F.ConvertToVector512Single(s3), acc3);
        }
        y[0] = Sum(acc0) + Vector256.Sum(off0);
        y[yStride] = Sum(acc1) + Vector256.Sum(off1);
        y[2 * yStride] = Sum(acc2) + Vector256.Sum(off2);
        y[3 * yStride] = Sum(acc3) + Vector256.Sum(off3);
    }
}
