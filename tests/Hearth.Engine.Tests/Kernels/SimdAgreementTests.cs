using System.Runtime.Intrinsics;
using Hearth.Engine.Gguf;
using Hearth.Engine.Kernels;

namespace Hearth.Engine.Tests.Kernels;

/// <summary>
/// Every SIMD path against the scalar reference. Activation conversion must give identical bytes; kernels then do
/// exact integer dot products per block and differ from the scalar reference only in the order floats are added,
/// so they must agree within 1e-5 of sum |w_i * a_i| (a few ulps times the number of blocks).
/// </summary>
public unsafe class SimdAgreementTests
{
    public static IEnumerable<object[]> Paths()
    {
        foreach (var type in KernelTestData.WeightTypes)
        foreach (var (name, _) in SimdPaths(type))
            yield return [type, name];
    }

    static IEnumerable<(string Name, RowKernel Kernel)> SimdPaths(GgmlType type)
    {
        if (RowKernels.Avx2(type) is { } avx2) yield return ("avx2", avx2);
        if (RowKernels.Avx512(type) is { } avx512) yield return ("avx512", avx512);
        if (RowKernels.Portable128(type) is { } v128) yield return ("vector128", v128);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void KernelMatchesScalarReference(GgmlType type, string path)
    {
        var kernel = SimdPaths(type).Single(p => p.Name == path).Kernel;
        var scalar = RowKernels.Scalar(type)!;
        var vecType = DotKernels.VecDotType(type);
        int block = GgmlTypeInfo.BlockSize(type) == 256 ? 256 : 32;
        foreach (int cols in new[] { block, block * 3, block * 8 + (block == 32 ? 16 * 32 : 0) })
        foreach (int count in new[] { 1, 3, 4, 5, 9 })
        {
            var wf = KernelTestData.Floats(cols, seed: cols + count, scale: 0.02f);
            if (type == GgmlType.F16) { wf[0] = 1e-6f; wf[1] = 0; wf[2] = -3e-7f; } // subnormal halves
            var wq = KernelTestData.QuantizedRows(type, wf, 1, cols);
            var wd = new float[cols];
            Dequantize.Row(type, wq, wd);
            var x = KernelTestData.Floats(cols * count, seed: 1000 + cols * count, scale: 3f);
            long aStride = DotKernels.ActivationRowBytes(vecType, cols);
            var act = new byte[aStride * count];
            var expected = new float[count];
            var got = new float[count * 2];
            fixed (float* px = x)
            fixed (byte* pa = act, pw = wq)
            fixed (float* pe = expected, pg = got)
            {
                for (int k = 0; k < count; k++)
                    DotKernels.QuantizeActivationsScalar(vecType, px + k * cols, pa + k * aStride, cols);
                scalar(pw, pa, aStride, cols, pe, 1, count);
                kernel(pw, pa, aStride, cols, pg, 2, count); // strided output, as MatMul writes y[k * Rows + r]
                var ad = new float[cols];
                for (int k = 0; k < count; k++)
                {
                    DequantizeActivation(vecType, pa + k * aStride, ad);
                    double magnitude = 0;
                    for (int i = 0; i < cols; i++) magnitude += Math.Abs(wd[i] * (double)ad[i]);
                    double tol = 1e-5 * magnitude + 1e-7;
                    Assert.True(Math.Abs(got[2 * k] - expected[k]) <= tol,
                        $"{type}/{path} cols {cols} row {k}: simd {got[2 * k]} scalar {expected[k]} (tolerance {tol})");
                    Assert.Equal(0f, got[2 * k + 1]);
                }
            }
        }
    }

    public static IEnumerable<object[]> PairTypes() =>
        KernelTestData.WeightTypes.Where(t => RowKernels.PairFor(t) != null).Select(t => new object[] { t });

    /// <summary>A 2-weight-row kernel gives each row exactly what the single-row kernel in use gives it (which is
    /// checked against the scalar reference above), for any count of activation rows.</summary>
    [Theory]
    [MemberData(nameof(PairTypes))]
    public void PairKernelEqualsTheRowKernelOnEachRow(GgmlType type)
    {
        var pair = RowKernels.PairFor(type)!;
        var single = RowKernels.For(type);
        var vecType = DotKernels.VecDotType(type);
        foreach (int cols in new[] { 256, 768, 2048 })
        foreach (int count in new[] { 1, 3, 4, 5, 8, 9 })
        {
            var wq = KernelTestData.QuantizedRows(type, KernelTestData.Floats(2 * cols, seed: cols + count, scale: 0.02f), 2, cols);
            long rowBytes = wq.Length / 2;
            var x = KernelTestData.Floats(cols * count, seed: 2000 + cols * count, scale: 3f);
            long aStride = DotKernels.ActivationRowBytes(vecType, cols);
            var act = new byte[aStride * count];
            var expected = new float[2 * count];
            var got = new float[3 * count];
            fixed (float* px = x)
            fixed (byte* pa = act, pw = wq)
            fixed (float* pe = expected, pg = got)
            {
                for (int k = 0; k < count; k++)
                    DotKernels.QuantizeActivationsScalar(vecType, px + k * cols, pa + k * aStride, cols);
                single(pw, pa, aStride, cols, pe, 2, count);
                single(pw + rowBytes, pa, aStride, cols, pe + 1, 2, count);
                pair(pw, rowBytes, pa, aStride, cols, pg, 3, count);
                for (int k = 0; k < count; k++)
                {
                    Assert.Equal(expected[2 * k], got[3 * k]);
                    Assert.Equal(expected[2 * k + 1], got[3 * k + 1]);
                    Assert.Equal(0f, got[3 * k + 2]);
                }
            }
        }
    }

    static void DequantizeActivation(GgmlType vecType, byte* a, float[] dst)
    {
        if (vecType is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16)
            new ReadOnlySpan<float>(a, dst.Length).CopyTo(dst);
        else if (vecType == GgmlType.Q8_0)
            fixed (float* d = dst) Hearth.Engine.Kernels.Q8_0.DequantizeActivations(a, d, dst.Length);
        else
            Dequantize.Row(vecType, new ReadOnlySpan<byte>(a, (int)Quantize.RowBytes(vecType, dst.Length)), dst);
    }

    [Theory]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q8_K)]
    [InlineData(GgmlType.Q8_1)]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.BF16)]
    public void ActivationConversionWritesTheScalarBytes(GgmlType vecType)
    {
        const int cols = 1024;
        var rows = new List<float[]>
        {
            KernelTestData.Floats(cols, seed: 1, scale: 0.3f),
            KernelTestData.Floats(cols, seed: 2, scale: 1000f),
            new float[cols], // all zero
        };
        // exact halves after scaling by 127/amax: ties must round to even on every path
        var ties = new float[cols];
        for (int i = 0; i < cols; i++) ties[i] = i % 32 == 0 ? 127f : (i % 7) - 3.5f;
        rows.Add(ties);
        var negMax = KernelTestData.Floats(cols, seed: 3);
        negMax[5] = -50f;
        rows.Add(negMax);

        long rowBytes = DotKernels.ActivationRowBytes(vecType, cols);
        foreach (var x in rows)
        {
            var scalar = new byte[rowBytes];
            var fast = new byte[rowBytes];
            fixed (float* px = x)
            fixed (byte* ps = scalar, pf = fast)
            {
                DotKernels.QuantizeActivationsScalar(vecType, px, ps, cols);
                Activations.Convert(vecType, px, pf, cols);
            }
            Assert.Equal(scalar, fast);
        }
    }

    [Fact]
    public void HalfToSingleConvertsEveryHalf()
    {
        if (!Avx2Kernels.IsSupported) return;
        for (int start = 0; start < 65536; start += 8)
        {
            var h = Vector128.Create((ushort)start, (ushort)(start + 1), (ushort)(start + 2), (ushort)(start + 3),
                (ushort)(start + 4), (ushort)(start + 5), (ushort)(start + 6), (ushort)(start + 7));
            var f = Avx2Kernels.HalfToSingle(h);
            for (int i = 0; i < 8; i++)
            {
                float expected = (float)BitConverter.UInt16BitsToHalf((ushort)(start + i));
                if (float.IsNaN(expected)) Assert.True(float.IsNaN(f[i]));
                else Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(f[i]));
            }
        }
    }

    [Fact]
    public void ScalarFastHalfConversionMatchesHalfForEveryValue()
    {
        for (int h = 0; h < 65536; h++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)h);
            float got = Fp16.ToFloatFast((ushort)h);
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(got));
            else Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(got));
        }
    }

    [Fact]
    public void FloatToHalfMatchesDotNetsConversion()
    {
        static void Check(float f)
        {
            ushort expected = BitConverter.HalfToUInt16Bits((Half)f);
            Assert.True(expected == Fp16.FromFloat(f), $"{f:R} (0x{BitConverter.SingleToUInt32Bits(f):X8}): 0x{Fp16.FromFloat(f):X4}, expected 0x{expected:X4}");
        }
        // every half, the floats either side of it, and the midpoints to the next half (ties) and either side of them
        for (int h = 0; h < 0x7C00; h++)
        {
            foreach (int sign in new[] { 1, -1 })
            {
                float v = sign * (float)BitConverter.UInt16BitsToHalf((ushort)h), next = sign * (float)BitConverter.UInt16BitsToHalf((ushort)(h + 1));
                float mid = (v + next) / 2; // exact: halves have 11 significant bits
                foreach (var f in new[] { v, mid })
                {
                    Check(f);
                    Check(MathF.BitIncrement(f));
                    Check(MathF.BitDecrement(f));
                }
            }
        }
        // a sweep over all float bit patterns (infinities, NaNs, and magnitudes far beyond or below F16's range)
        for (ulong bits = 0; bits <= uint.MaxValue; bits += 4093) Check(BitConverter.UInt32BitsToSingle((uint)bits));
        foreach (var f in new[] { 0f, -0f, float.Epsilon, 65504f, 65519.99f, 65520f, 1e-8f, 2.98e-8f, 2.99e-8f, float.MaxValue, float.PositiveInfinity, float.NegativeInfinity })
            Check(f);
    }
}
