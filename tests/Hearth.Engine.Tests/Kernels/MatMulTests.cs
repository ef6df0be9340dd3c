using Hearth.Engine.Gguf;
using Hearth.Engine.Kernels;

namespace Hearth.Engine.Tests.Kernels;

public unsafe class MatMulTests
{
    /// <summary>
    /// MatMul against a double-precision product of the dequantized weights with the float activations. The only
    /// intended difference is that ggml rounds the activations to the weight's vec-dot type, so the tolerance for
    /// each output is sum_i |w_i| * (largest rounding error of activation i) — 0.6 of a quant step for Q8 types
    /// (half a step plus the fp16 rounding of the scale), 2^-11 / 2^-8 relative for F16 / BF16 — plus 1e-5 of
    /// sum |w_i x_i| for float accumulation order.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesFloatReferenceWithinActivationRounding(GgmlType type, int rows, int cols, int n, int threads)
    {
        var wf = KernelTestData.Floats(rows * cols, seed: rows * 31 + cols, scale: 0.05f);
        var x = KernelTestData.Floats(n * cols, seed: n * 7 + 1);
        var wq = KernelTestData.QuantizedRows(type, wf, rows, cols);
        var wd = new float[rows * cols];
        Dequantize.Row(type, wq, wd);

        var y = new float[n * rows];
        using var pool = new ComputePool(threads);
        fixed (byte* p = wq)
        {
            var w = new WeightMatrix(p, type, rows, cols);
            MatMul.Multiply(pool, w, x, y, n);
        }

        var vecType = VecDotTypeOf(type);
        for (int j = 0; j < n; j++)
        {
            var err = ActivationErrorBound(vecType, x.AsSpan(j * cols, cols));
            for (int r = 0; r < rows; r++)
            {
                double reference = 0, bound = 1e-6, magnitude = 0;
                for (int i = 0; i < cols; i++)
                {
                    double wi = wd[r * cols + i];
                    reference += wi * x[j * cols + i];
                    bound += Math.Abs(wi) * err[i];
                    magnitude += Math.Abs(wi * x[j * cols + i]);
                }
                bound += 1e-5 * magnitude;
                double got = y[j * rows + r];
                Assert.True(Math.Abs(got - reference) <= bound,
                    $"{type} row {r} col {j}: got {got}, reference {reference}, allowed error {bound}");
            }
        }
    }

    /// <summary>
    /// A batch of activation rows gives each row what it gets alone: the K-quant and float multi-row kernels share the
    /// weight unpacking, not the arithmetic, so the result is identical; the Q8_0/Q4_0/Q5_0 decode kernels keep two
    /// accumulators for throughput where their 4-row kernels keep one, so those differ in summation order only.
    /// </summary>
    [Theory]
    [MemberData(nameof(Types))]
    public void Each_row_of_a_batch_equals_that_row_alone(GgmlType type)
    {
        int rows = 24, cols = 512, n = 7;
        var wq = KernelTestData.QuantizedRows(type, KernelTestData.Floats(rows * cols, seed: 3, scale: 0.05f), rows, cols);
        var x = KernelTestData.Floats(n * cols, seed: 9);
        var batched = new float[n * rows];
        var alone = new float[rows];
        using var pool = new ComputePool(2);
        fixed (byte* p = wq)
        {
            var w = new WeightMatrix(p, type, rows, cols);
            MatMul.Multiply(pool, w, x, batched, n);
            for (int j = 0; j < n; j++)
            {
                MatMul.Multiply(pool, w, x.AsSpan(j * cols, cols), alone, 1);
                if (type is GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.Q5_0)
                    for (int r = 0; r < rows; r++) Assert.True(Math.Abs(alone[r] - batched[j * rows + r]) <= 1e-5f * Math.Abs(alone[r]) + 1e-6f, $"{type} row {r}");
                else Assert.Equal(alone, batched.AsSpan(j * rows, rows).ToArray());
            }
        }
    }

    public static IEnumerable<object[]> Types() => KernelTestData.WeightTypes.Select(t => new object[] { t });

    public static IEnumerable<object[]> Cases()
    {
        foreach (var type in KernelTestData.WeightTypes)
        {
            int block = GgmlTypeInfo.BlockSize(type) == 256 ? 256 : 32;
            yield return [type, 1, block, 1, 1];
            yield return [type, 37, block * 3, 1, 2];
            yield return [type, 64, 512, 5, 2];
            yield return [type, 19, 768, 8, 3];
        }
    }

    static GgmlType VecDotTypeOf(GgmlType t) => t switch
    {
        GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 => t,
        GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K => GgmlType.Q8_K,
        _ => GgmlType.Q8_0,
    };

    static double[] ActivationErrorBound(GgmlType vecType, ReadOnlySpan<float> x)
    {
        var e = new double[x.Length];
        int block = vecType == GgmlType.Q8_K ? 256 : 32;
        for (int b = 0; b < x.Length; b += block)
        {
            double amax = 0;
            for (int i = b; i < b + block && i < x.Length; i++) amax = Math.Max(amax, Math.Abs(x[i]));
            for (int i = b; i < b + block && i < x.Length; i++)
                e[i] = vecType switch
                {
                    GgmlType.F32 => 0,
                    GgmlType.F16 => Math.Abs(x[i]) * Math.Pow(2, -11),
                    GgmlType.BF16 => Math.Abs(x[i]) * Math.Pow(2, -8),
                    _ => 0.6 * amax / 127,
                };
        }
        return e;
    }

    [Fact]
    public void RejectsMismatchedBuffers()
    {
        using var pool = new ComputePool(1);
        var wq = new byte[34 * 2];
        fixed (byte* pinned = wq)
        {
            byte* p = pinned;
            nint address = (nint)pinned;
            var w = new WeightMatrix(p, GgmlType.Q8_0, 2, 32);
            Assert.Throws<ArgumentException>(() => MatMul.Multiply(pool, w, new float[31], new float[2], 1));
            Assert.Throws<ArgumentException>(() => MatMul.Multiply(pool, w, new float[64], new float[3], 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => MatMul.Multiply(pool, w, new float[32], new float[2], 0));
            Assert.Throws<ArgumentException>(() => new WeightMatrix((byte*)address, GgmlType.Q4_K, 1, 32));
            Assert.Throws<NotSupportedException>(() => new WeightMatrix((byte*)address, GgmlType.IQ2_XXS, 1, 256));
        }
    }

    [Fact]
    public void SmallDecodeMatchesHandComputedQ8_0Product()
    {
        // one Q8_0 block per row with d = 1: weights are the bytes themselves; activations already integral
        // with amax 127 quantize exactly, so the result is an exact integer dot product.
        var wq = new byte[34 * 2];
        BitConverter.TryWriteBytes(wq.AsSpan(0), (ushort)0x3C00);
        BitConverter.TryWriteBytes(wq.AsSpan(34), (ushort)0x3C00);
        for (int i = 0; i < 32; i++)
        {
            wq[2 + i] = (byte)(sbyte)(i - 16);
            wq[36 + i] = 1;
        }
        var x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = i == 0 ? 127 : i;
        var y = new float[2];
        using var pool = new ComputePool(2);
        fixed (byte* p = wq)
            MatMul.Multiply(pool, new WeightMatrix(p, GgmlType.Q8_0, 2, 32), x, y, 1);
        float expected0 = 0, expected1 = 0;
        for (int i = 0; i < 32; i++) { expected0 += (i - 16) * x[i]; expected1 += x[i]; }
        Assert.Equal(expected0, y[0]);
        Assert.Equal(expected1, y[1]);
    }

    [Theory]
    [InlineData(GgmlType.Q8_0, 1)]
    [InlineData(GgmlType.Q4_K, 1)]
    [InlineData(GgmlType.Q6_K, 7)]
    [InlineData(GgmlType.F16, 3)]
    public void MultiplyDoesNotAllocateOnceWarm(GgmlType type, int n)
    {
        const int rows = 64, cols = 512;
        var wq = KernelTestData.QuantizedRows(type, KernelTestData.Floats(rows * cols, seed: 9), rows, cols);
        var x = KernelTestData.Floats(n * cols, seed: 10);
        var y = new float[n * rows];
        using var pool = new ComputePool(2);
        fixed (byte* p = wq)
        {
            var w = new WeightMatrix(p, type, rows, cols);
            for (int i = 0; i < 20; i++) MatMul.Multiply(pool, w, x, y, n);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++) MatMul.Multiply(pool, w, x, y, n);
            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        }
    }

    /// <summary>The fused q/k/v and gate/up products give exactly what one Multiply per matrix gives, also when the
    /// matrices' types differ (Q4_K_M mixes Q4_K and Q6_K; a Q8_0 activation type with a Q8_K one falls back).</summary>
    [Theory]
    [InlineData(GgmlType.Q8_0, GgmlType.Q8_0, GgmlType.Q8_0, 1, 1)]
    [InlineData(GgmlType.Q8_0, GgmlType.Q8_0, GgmlType.Q8_0, 5, 2)]
    [InlineData(GgmlType.Q4_K, GgmlType.Q4_K, GgmlType.Q6_K, 1, 3)]
    [InlineData(GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q4_K, 6, 2)]
    [InlineData(GgmlType.Q5_0, GgmlType.Q5_0, GgmlType.Q8_0, 3, 2)]
    [InlineData(GgmlType.Q4_K, GgmlType.Q8_0, GgmlType.F32, 2, 2)] // different vec-dot types: separate products
    [InlineData(GgmlType.F32, GgmlType.F16, GgmlType.F32, 2, 1)]
    public void MultiplyManyMatchesOneMultiplyPerMatrix(GgmlType t0, GgmlType t1, GgmlType t2, int n, int threads)
    {
        const int cols = 512;
        int[] rows = [48, 16, 40];
        var types = new[] { t0, t1, t2 };
        var quantized = new byte[3][];
        for (int m = 0; m < 3; m++)
            quantized[m] = KernelTestData.QuantizedRows(types[m], KernelTestData.Floats(rows[m] * cols, seed: 11 + m, scale: 0.05f), rows[m], cols);
        var x = KernelTestData.Floats(n * cols, seed: 3);
        using var pool = new ComputePool(threads);
        foreach (int count in new[] { 2, 3 })
        {
            var expected = new float[3][];
            var got = new float[3][];
            for (int m = 0; m < 3; m++) { expected[m] = new float[n * rows[m]]; got[m] = new float[n * rows[m]]; }
            fixed (byte* q0 = quantized[0], q1 = quantized[1], q2 = quantized[2])
            fixed (float* px = x, g0 = got[0], g1 = got[1], g2 = got[2])
            {
                var w = new[] { new WeightMatrix(q0, t0, rows[0], cols), new WeightMatrix(q1, t1, rows[1], cols), new WeightMatrix(q2, t2, rows[2], cols) };
                for (int m = 0; m < count; m++) MatMul.Multiply(pool, w[m], x, expected[m], n);
                if (count == 3) MatMul.MultiplyMany(pool, px, n, w[0], g0, w[1], g1, w[2], g2);
                else MatMul.MultiplyMany(pool, px, n, w[0], g0, w[1], g1);
            }
            for (int m = 0; m < count; m++) Assert.Equal(expected[m], got[m]);
        }
    }
}
