using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace Hearth.Engine.Kernels;

/// <summary>
/// Portable 128-bit kernels written with the cross-platform Vector128 API, so the JIT emits AdvSimd on Arm64 (with
/// the SDOT instruction where the CPU has it) and SSE on x86. Used where AVX2 is missing; tested on x86 against the
/// scalar reference like every other path.
/// </summary>
internal static unsafe class Vector128Kernels
{
    public static bool IsSupported => Vector128.IsHardwareAccelerated;

    /// <summary>acc + per-lane sums of 4 adjacent int8 products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<int> DotI8(Vector128<int> acc, Vector128<sbyte> a, Vector128<sbyte> b)
    {
        if (Dp.IsSupported) return Dp.DotProduct(acc, a, b);
        var lo = Vector128.WidenLower(a) * Vector128.WidenLower(b);
        var hi = Vector128.WidenUpper(a) * Vector128.WidenUpper(b);
        return acc + (Vector128.WidenLower(lo) + Vector128.WidenUpper(lo)) + (Vector128.WidenLower(hi) + Vector128.WidenUpper(hi));
    }

    static readonly Vector128<byte> Low4 = Vector128.Create((byte)0x0F);

    // ---------------------------------------------------------------- 32-element blocks, Q8_0 activations

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q8_0(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        int nb = cols / 32;
        for (int k = 0; k < count; k++, a += aStride)
        {
            var acc = Vector128<float>.Zero;
            byte* wb = w, ab = a;
            for (int b = 0; b < nb; b++, wb += 34, ab += 36)
            {
                var dot = DotI8(Vector128<int>.Zero, Vector128.Load((sbyte*)(wb + 2)), Vector128.Load((sbyte*)(ab + 4)));
                dot = DotI8(dot, Vector128.Load((sbyte*)(wb + 18)), Vector128.Load((sbyte*)(ab + 20)));
                acc += Vector128.ConvertToSingle(dot) * Vector128.Create(Fp16.Lookup(*(ushort*)wb) * *(float*)ab);
            }
            y[k * yStride] = Vector128.Sum(acc);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q4_0(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        int nb = cols / 32;
        var eight = Vector128.Create((sbyte)8);
        for (int k = 0; k < count; k++, a += aStride)
        {
            var acc = Vector128<float>.Zero;
            byte* wb = w, ab = a;
            for (int b = 0; b < nb; b++, wb += 18, ab += 36)
            {
                var q = Vector128.Load(wb + 2);
                var lo = (q & Low4).AsSByte() - eight;
                var hi = Vector128.ShiftRightLogical(q, 4).AsSByte() - eight;
                var dot = DotI8(Vector128<int>.Zero, lo, Vector128.Load((sbyte*)(ab + 4)));
                dot = DotI8(dot, hi, Vector128.Load((sbyte*)(ab + 20)));
                acc += Vector128.ConvertToSingle(dot) * Vector128.Create(Fp16.Lookup(*(ushort*)wb) * *(float*)ab);
            }
            y[k * yStride] = Vector128.Sum(acc);
        }
    }

    static readonly Vector128<byte> BitOfByte = Vector128.Create((byte)1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);

    /// <summary>16 bits (of qh, starting at bit 16*half) to 16 bytes: 0 where the bit is set, 0xF0 where clear.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<byte> MinusSixteenWhereClear(uint qh)
    {
        var spread = Vector128.Shuffle(Vector128.CreateScalar(qh).AsByte(),
            Vector128.Create((byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
        var clear = Vector128.Equals(spread & BitOfByte, Vector128<byte>.Zero);
        return clear & Vector128.Create((byte)0xF0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q5_0(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        int nb = cols / 32;
        for (int k = 0; k < count; k++, a += aStride)
        {
            var acc = Vector128<float>.Zero;
            byte* wb = w, ab = a;
            for (int b = 0; b < nb; b++, wb += 22, ab += 36)
            {
                uint qh = *(uint*)(wb + 2);
                var q = Vector128.Load(wb + 6);
                var lo = ((q & Low4) | MinusSixteenWhereClear(qh)).AsSByte();
                var hi = (Vector128.ShiftRightLogical(q, 4) | MinusSixteenWhereClear(qh >> 16)).AsSByte();
                var dot = DotI8(Vector128<int>.Zero, lo, Vector128.Load((sbyte*)(ab + 4)));
                dot = DotI8(dot, hi, Vector128.Load((sbyte*)(ab + 20)));
                acc += Vector128.ConvertToSingle(dot) * Vector128.Create(Fp16.Lookup(*(ushort*)wb) * *(float*)ab);
            }
            y[k * yStride] = Vector128.Sum(acc);
        }
    }

    // ---------------------------------------------------------------- K-quants, Q8_K activations

    /// <summary>Dot product of 32 unsigned weight values (two 16-byte halves) with 32 activation bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int Dot32(Vector128<byte> q0, Vector128<byte> q1, sbyte* a) =>
        Vector128.Sum(DotI8(DotI8(Vector128<int>.Zero, q0.AsSByte(), Vector128.Load(a)), q1.AsSByte(), Vector128.Load(a + 16)));

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
        int blockBytes = fiveBit ? Kernels.Q5K.BlockBytes : Kernels.Q4K.BlockBytes;
        int qsOffset = fiveBit ? Kernels.Q5K.QsOffset : Kernels.Q4K.QsOffset;
        var sixteen = Vector128.Create((byte)16);
        for (int k = 0; k < count; k++, a += aStride)
        {
            float sum = 0;
            byte* wb = w, ab = a;
            for (int b = 0; b < nb; b++, wb += blockBytes, ab += Q8K.BlockBytes)
            {
                short* bsums = (short*)(ab + Q8K.BsumsOffset);
                byte* q = wb + qsOffset;
                byte* qh = wb + Kernels.Q5K.QhOffset;
                sbyte* qa = (sbyte*)(ab + Q8K.QsOffset);
                Vector128<byte> h0 = default, h1 = default;
                if (fiveBit) { h0 = Vector128.Load(qh); h1 = Vector128.Load(qh + 16); }
                int isum = 0, msum = 0;
                for (int j = 0; j < 4; j++, q += 32, qa += 64)
                {
                    KQuantFit.GetScaleMinK4(2 * j, wb + 4, out int sc0, out int m0);
                    KQuantFit.GetScaleMinK4(2 * j + 1, wb + 4, out int sc1, out int m1);
                    var b0 = Vector128.Load(q);
                    var b1 = Vector128.Load(q + 16);
                    var lo0 = b0 & Low4;
                    var lo1 = b1 & Low4;
                    var hi0 = Vector128.ShiftRightLogical(b0, 4);
                    var hi1 = Vector128.ShiftRightLogical(b1, 4);
                    if (fiveBit)
                    {
                        var bitLo = Vector128.Create((byte)(1 << (2 * j)));
                        var bitHi = Vector128.Create((byte)(2 << (2 * j)));
                        lo0 |= ~Vector128.Equals(h0 & bitLo, Vector128<byte>.Zero) & sixteen;
                        lo1 |= ~Vector128.Equals(h1 & bitLo, Vector128<byte>.Zero) & sixteen;
                        hi0 |= ~Vector128.Equals(h0 & bitHi, Vector128<byte>.Zero) & sixteen;
                        hi1 |= ~Vector128.Equals(h1 & bitHi, Vector128<byte>.Zero) & sixteen;
                    }
                    isum += sc0 * Dot32(lo0, lo1, qa) + sc1 * Dot32(hi0, hi1, qa + 32);
                    msum += m0 * (bsums[4 * j] + bsums[4 * j + 1]) + m1 * (bsums[4 * j + 2] + bsums[4 * j + 3]);
                }
                float da = *(float*)ab;
                sum += Fp16.Lookup(*(ushort*)wb) * da * isum - Fp16.Lookup(*(ushort*)(wb + 2)) * da * msum;
            }
            y[k * yStride] = sum;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Q6K(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        int nb = cols / 256;
        var three = Vector128.Create((byte)3);
        var sub32 = Vector128.Create((sbyte)32);
        for (int k = 0; k < count; k++, a += aStride)
        {
            float sum = 0;
            byte* wb = w, ab = a;
            for (int b = 0; b < nb; b++, wb += Kernels.Q6K.BlockBytes, ab += Q8K.BlockBytes)
            {
                byte* ql = wb, qh = wb + Kernels.Q6K.QhOffset;
                sbyte* sc = (sbyte*)(wb + Kernels.Q6K.ScalesOffset);
                sbyte* qa = (sbyte*)(ab + Q8K.QsOffset);
                int isum = 0;
                for (int h = 0; h < 2; h++, ql += 64, qh += 32, qa += 128, sc += 8)
                {
                    for (int part = 0; part < 2; part++)
                    {
                        int o = 16 * part;
                        var l0 = Vector128.Load(ql + o);
                        var l1 = Vector128.Load(ql + 32 + o);
                        var hb = Vector128.Load(qh + o);
                        var q0 = ((l0 & Low4) | Vector128.ShiftLeft(hb & three, 4)).AsSByte() - sub32;
                        var q1 = ((l1 & Low4) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(hb, 2) & three, 4)).AsSByte() - sub32;
                        var q2 = (Vector128.ShiftRightLogical(l0, 4) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(hb, 4) & three, 4)).AsSByte() - sub32;
                        var q3 = (Vector128.ShiftRightLogical(l1, 4) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(hb, 6), 4)).AsSByte() - sub32;
                        isum += sc[part] * Vector128.Sum(DotI8(Vector128<int>.Zero, q0, Vector128.Load(qa + o)))
                              + sc[part + 2] * Vector128.Sum(DotI8(Vector128<int>.Zero, q1, Vector128.Load(qa + 32 + o)))
                              + sc[part + 4] * Vector128.Sum(DotI8(Vector128<int>.Zero, q2, Vector128.Load(qa + 64 + o)))
                              + sc[part + 6] * Vector128.Sum(DotI8(Vector128<int>.Zero, q3, Vector128.Load(qa + 96 + o)));
                    }
                }
                sum += Fp16.Lookup(*(ushort*)(wb + Kernels.Q6K.DOffset)) * *(float*)ab * isum;
            }
            y[k * yStride] = sum;
        }
    }

    // ---------------------------------------------------------------- float weights

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void F32(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        for (int k = 0; k < count; k++, a += aStride)
        {
            float* wf = (float*)w, af = (float*)a;
            var acc0 = Vector128<float>.Zero;
            var acc1 = Vector128<float>.Zero;
            int i = 0;
            for (; i + 8 <= cols; i += 8)
            {
                acc0 = Vector128.FusedMultiplyAdd(Vector128.Load(wf + i), Vector128.Load(af + i), acc0);
                acc1 = Vector128.FusedMultiplyAdd(Vector128.Load(wf + i + 4), Vector128.Load(af + i + 4), acc1);
            }
            float sum = Vector128.Sum(acc0 + acc1);
            for (; i < cols; i++) sum += wf[i] * af[i];
            y[k * yStride] = sum;
        }
    }

    /// <summary>4 IEEE halves (zero-extended to 32 bits) to floats; same bit trick as the AVX2 version.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> HalfToSingle(Vector128<uint> x)
    {
        var sign = Vector128.ShiftLeft(x & Vector128.Create(0x8000u), 16);
        var em = Vector128.ShiftLeft(x & Vector128.Create(0x7FFFu), 13);
        var exp = em & Vector128.Create(0x0F800000u);
        var normal = em + Vector128.Create(0x38000000u);
        var infNan = normal + Vector128.Create(0x38000000u);
        var sub = ((em + Vector128.Create(0x38800000u)).AsSingle() - Vector128.Create(0x38800000u).AsSingle()).AsUInt32();
        var r = Vector128.ConditionalSelect(Vector128.Equals(exp, Vector128.Create(0x0F800000u)), infNan, normal);
        r = Vector128.ConditionalSelect(Vector128.Equals(exp, Vector128<uint>.Zero), sub, r);
        return (r | sign).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void F16(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count)
    {
        for (int k = 0; k < count; k++, a += aStride)
        {
            ushort* wh = (ushort*)w;
            float* af = (float*)a;
            var acc0 = Vector128<float>.Zero;
            var acc1 = Vector128<float>.Zero;
            int i = 0;
            for (; i + 8 <= cols; i += 8)
            {
                var h = Vector128.Load(wh + i);
                acc0 = Vector128.FusedMultiplyAdd(HalfToSingle(Vector128.WidenLower(h)), Vector128.Load(af + i), acc0);
                acc1 = Vector128.FusedMultiplyAdd(HalfToSingle(Vector128.WidenUpper(h)), Vector128.Load(af + i + 4), acc1);
            }
            float sum = Vector128.Sum(acc0 + acc1);
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
            var acc0 = Vector128<float>.Zero;
            var acc1 = Vector128<float>.Zero;
            int i = 0;
            for (; i + 8 <= cols; i += 8)
            {
                var h = Vector128.Load(wh + i);
                acc0 = Vector128.FusedMultiplyAdd(Vector128.ShiftLeft(Vector128.WidenLower(h), 16).AsSingle(), Vector128.Load(af + i), acc0);
                acc1 = Vector128.FusedMultiplyAdd(Vector128.ShiftLeft(Vector128.WidenUpper(h), 16).AsSingle(), Vector128.Load(af + i + 4), acc1);
            }
            float sum = Vector128.Sum(acc0 + acc1);
            for (; i < cols; i++) sum += Fp16.Bf16ToFloat(wh[i]) * af[i];
            y[k * yStride] = sum;
        }
    }
}
