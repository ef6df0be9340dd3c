using Hearth.Engine.Kernels;

namespace Hearth.Engine.Tests.Models;

/// <summary>The forward pass's element-wise kernels against their scalar references.</summary>
public unsafe class ElementwiseKernelTests
{
    internal static float[] Random(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();
    }

    [Fact]
    public void VectorExpIsWithinTwoUlpOfMathFExp()
    {
        var x = Random(4096, 1, 90f).Concat([0f, -0f, 1f, -87f, 87.9f, 1e-8f]).ToArray();
        for (int i = 0; i + 8 <= x.Length; i += 8)
        {
            var v = System.Runtime.Intrinsics.Vector256.Create(x.AsSpan(i, 8));
            var e = VectorExp.Exp(v);
            for (int j = 0; j < 8; j++)
            {
                float expected = MathF.Exp(x[i + j]), actual = e[j];
                if (expected < 1e-37f || x[i + j] > 88f) continue; // the vector version clamps to [-87.33, 88]
                Assert.True(Math.Abs(actual - expected) <= 2.5e-7 * expected, $"exp({x[i + j]}) = {actual}, expected {expected}");
            }
        }
    }

    /// <summary>What the F16 cache holds: each value converted to F16.</summary>
    static Half[] Halves(float[] x) => x.Select(f => (Half)f).ToArray();

    [Fact]
    public void ToHalfMatchesHalfConversionBitForBit()
    {
        // Every 61st float bit pattern up to past F16's largest value, both signs, every tie between subnormal halves,
        // the values around the overflow threshold (65520 rounds to infinity), infinities and NaN; odd lengths for the tail.
        var x = new List<float>();
        for (uint bits = 0; bits <= 0x47900000u; bits += 61) { x.Add(BitConverter.UInt32BitsToSingle(bits)); x.Add(-BitConverter.UInt32BitsToSingle(bits)); }
        for (int k = 1; k < 2048; k += 2) { x.Add(k * MathF.Pow(2, -25)); x.Add(-k * MathF.Pow(2, -25)); }
        x.AddRange([65504f, 65519f, 65519.996f, 65520f, -65520f, 70000f, 1e10f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0f, -0f, 1e-30f, -1e-30f]);
        var xs = x.ToArray();
        foreach (int n in new[] { xs.Length, 15, 17 })
        {
            var y = new Half[n];
            fixed (float* px = xs)
            fixed (Half* py = y)
                Attention.ToHalf(px, py, n);
            for (int i = 0; i < n; i++)
            {
                ushort expected = BitConverter.HalfToUInt16Bits((Half)xs[i]), actual = BitConverter.HalfToUInt16Bits(y[i]);
                if (expected != actual && !(Half.IsNaN(y[i]) && float.IsNaN(xs[i])))
                    Assert.Fail($"{xs[i]:R}: 0x{actual:X4}, expected 0x{expected:X4}");
            }
        }
    }

    [Fact]
    public void HalfScaledIsEveryFiniteHalfTimesTwoToTheMinus112()
    {
        Assert.Equal((double)Attention.Up, Math.Pow(2, 112));
        if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported) return;
        var h = new Half[65536];
        for (int i = 0; i < h.Length; i++) h[i] = BitConverter.UInt16BitsToHalf((ushort)i);
        fixed (Half* p = h)
            for (int i = 0; i < h.Length; i += 8)
            {
                var f = Attention.HalfScaled(p + i);
                for (int j = 0; j < 8; j++)
                {
                    if (!Half.IsFinite(h[i + j])) continue;
                    double expected = (double)(float)h[i + j], actual = f[j] * Math.Pow(2, 112);
                    if (BitConverter.DoubleToUInt64Bits(expected) != BitConverter.DoubleToUInt64Bits(actual))
                        Assert.Fail($"0x{i + j:X4}: {actual:R}, expected {expected:R}");
                }
            }
    }

    [Fact]
    public void RoundToHalfMatchesHalfConversion()
    {
        var rng = new Random(2);
        var x = new float[20000];
        for (int i = 0; i < x.Length; i++)
        {
            // Magnitudes from subnormal halves to 60000, plus exact ties between two halves.
            float m = (float)Math.Pow(2, rng.NextDouble() * 40 - 25) * (rng.Next(2) == 0 ? 1 : -1);
            if (i % 10 == 0) m = (float)(Half)m + (float)Math.Pow(2, Math.Floor(Math.Log2(Math.Abs(m))) - 11) * Math.Sign(m);
            x[i] = Math.Abs(m) > 60000 ? 1 : m;
        }
        var y = (float[])x.Clone();
        fixed (float* p = y) Attention.RoundToHalf(p, y.Length);
        for (int i = 0; i < x.Length; i++) Assert.Equal((float)(Half)x[i], y[i]);
    }

    [Fact]
    public void RoundToHalfMatchesHalfConversionBitForBit()
    {
        // Every 251st float bit pattern up to F16's largest value, both signs, and every tie between subnormal halves.
        var x = new List<float>();
        for (uint bits = 0; bits <= 0x477FE000u; bits += 251) { x.Add(BitConverter.UInt32BitsToSingle(bits)); x.Add(-BitConverter.UInt32BitsToSingle(bits)); }
        for (int k = 1; k < 2048; k += 2) { x.Add(k * MathF.Pow(2, -25)); x.Add(-k * MathF.Pow(2, -25)); }
        var y = x.ToArray();
        fixed (float* p = y) Attention.RoundToHalf(p, y.Length);
        for (int i = 0; i < y.Length; i++)
            if (BitConverter.SingleToUInt32Bits(y[i]) != BitConverter.SingleToUInt32Bits((float)(Half)x[i]))
                Assert.Fail($"{x[i]:R}: {y[i]:R}, expected {(float)(Half)x[i]:R}");
    }

    [Theory]
    [InlineData(64, 1)]
    [InlineData(64, 37)]
    [InlineData(128, 300)]
    [InlineData(8, 5)]
    [InlineData(8, 1)]
    [InlineData(8, 8)]
    [InlineData(8, 17)]
    [InlineData(8, 300)]
    [InlineData(16, 23)]
    [InlineData(32, 130)]
    [InlineData(12, 9)] // not a multiple of 8: the scalar path
    public void AttentionHeadMatchesScalarReference(int headDim, int count)
    {
        const int stride = 3 * 128; // three KV heads side by side
        var q = Random(headDim, 3, 2f);
        var k = Halves(Random(count * stride, 4, 2f));
        var v = Halves(Random(count * stride, 5));
        var expected = new float[headDim];
        var actual = new float[headDim];
        var scratch = new float[2 * headDim];
        float scale = 1f / MathF.Sqrt(headDim);
        fixed (Half* pk = k, pv = v)
        fixed (float* pq = q, pe = expected, pa = actual, ps = scratch)
        {
            Attention.HeadScalar(pq, pk + 128, pv + 128, stride, count, headDim, scale, pe);
            Attention.Head(pq, pk + 128, pv + 128, stride, count, headDim, scale, ps, pa);
        }
        for (int i = 0; i < headDim; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f + 1e-3f * Math.Abs(expected[i]), $"[{i}] {actual[i]} vs {expected[i]}");
        // With one position attention returns that position's value row.
        if (count == 1) for (int i = 0; i < headDim; i++) Assert.Equal((float)v[128 + i], actual[i]);
    }

    [Theory]
    [InlineData(8, 1, 2)]
    [InlineData(8, 1, 4)]
    [InlineData(8, 6, 3)]
    [InlineData(8, 37, 4)]
    [InlineData(16, 5, 4)]
    [InlineData(64, 29, 4)]
    [InlineData(128, 3, 2)]
    [InlineData(12, 9, 3)] // the scalar path
    [InlineData(8, 21, 4, 0)] // heads sharing a KV head: every row sees the same positions
    [InlineData(64, 9, 3, 0)]
    [InlineData(128, 40, 4, 0)]
    public void AttentionRowsMatchOneRowAtATime(int headDim, int count, int rows, int countStep = 1)
    {
        const int stride = 3 * 128, qStride = 2 * 128;
        int positions = count + (rows - 1) * countStep;
        var q = Random(rows * qStride, 13, 2f);
        var k = Halves(Random(positions * stride, 14, 2f));
        var v = Halves(Random(positions * stride, 15));
        var together = new float[rows * qStride];
        var alone = new float[headDim];
        var reference = new float[headDim];
        var scratch = new float[2 * Attention.MaxRows * headDim];
        float scale = 1f / MathF.Sqrt(headDim);
        fixed (Half* pk = k, pv = v)
        fixed (float* pq = q, pt = together, pa = alone, pr = reference, ps = scratch)
        {
            Attention.Heads(pq + 8, qStride, rows, countStep, pk + 128, pv + 128, stride, count, headDim, scale, ps, pt + 8, qStride);
            for (int r = 0; r < rows; r++)
            {
                Attention.Head(pq + 8 + r * qStride, pk + 128, pv + 128, stride, count + r * countStep, headDim, scale, ps, pa);
                Attention.HeadScalar(pq + 8 + r * qStride, pk + 128, pv + 128, stride, count + r * countStep, headDim, scale, pr);
                for (int i = 0; i < headDim; i++)
                {
                    Assert.Equal(alone[i], together[8 + r * qStride + i]);
                    Assert.True(Math.Abs(reference[i] - alone[i]) <= 1e-6f + 1e-3f * Math.Abs(reference[i]), $"row {r} [{i}] {alone[i]} vs {reference[i]}");
                }
            }
        }
    }

    [Theory]
    [InlineData(896)]
    [InlineData(13)]
    public void RmsNormMatchesScalarReference(int n)
    {
        var x = Random(n, 6, 3f);
        var w = Random(n, 7);
        var expected = new float[n];
        var actual = new float[n];
        fixed (float* px = x, pw = w, pe = expected, pa = actual)
        {
            RmsNorm.ApplyScalar(px, pw, pe, n, 1e-5f);
            RmsNorm.Apply(px, pw, pa, n, 1e-5f);
        }
        for (int i = 0; i < n; i++) Assert.Equal(expected[i], actual[i]); // the same mean, so the same bits
        double rms = Math.Sqrt(x.Sum(v => (double)v * v) / n);
        Assert.Equal(x[0] / rms * w[0], expected[0], 1e-4);
    }

    [Fact]
    public void SwiGluMatchesScalarReference()
    {
        const int n = 4864 + 3;
        var gate = Random(n, 8, 20f);
        var up = Random(n, 9);
        var expected = (float[])gate.Clone();
        var actual = (float[])gate.Clone();
        fixed (float* pe = expected, pa = actual, pu = up)
        {
            SwiGlu.ApplyScalar(pe, pu, n);
            SwiGlu.Apply(pa, pu, n);
        }
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f * (1 + Math.Abs(expected[i])), $"[{i}]");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RopeRotatesPairsByPositionTimesFrequency(bool neox)
    {
        const int headDim = 16, ropeDim = 8, pos = 7;
        var head = Random(headDim, 10);
        var rotated = (float[])head.Clone();
        var angles = new float[ropeDim];
        fixed (float* pa = angles, ph = rotated)
        {
            Rope.Angles(pos, 10000f, 1f, null, ropeDim, pa);
            Rope.Apply(ph, pa, ropeDim, neox);
        }
        for (int i = 0; i < ropeDim / 2; i++)
        {
            double theta = pos * Math.Pow(10000, -2.0 * i / ropeDim);
            int a = neox ? i : 2 * i, b = neox ? i + ropeDim / 2 : 2 * i + 1;
            Assert.Equal(head[a] * Math.Cos(theta) - head[b] * Math.Sin(theta), rotated[a], 1e-5);
            Assert.Equal(head[a] * Math.Sin(theta) + head[b] * Math.Cos(theta), rotated[b], 1e-5);
        }
        for (int i = ropeDim; i < headDim; i++) Assert.Equal(head[i], rotated[i]); // beyond ropeDim: untouched
    }
}
