using Hearth.Engine.Gguf;
using Hearth.Engine.Kernels;

namespace Hearth.Engine.Tests.Kernels;

public class QuantizeRoundTripTests
{
    /// <summary>
    /// Relative RMS error of dequantize(quantize(x)) on gaussian-like data with outliers (which inflate the block
    /// scales): bounds are the measured error plus ~25%. Ordering checks the fits work: Q4_K beats Q4_1 beats Q4_0
    /// at similar bits. A wrong layout or packing gives errors near 1.
    /// </summary>
    [Theory]
    [InlineData(GgmlType.F16, 0.0003)]
    [InlineData(GgmlType.BF16, 0.002)]
    [InlineData(GgmlType.Q8_0, 0.01)]
    [InlineData(GgmlType.Q8_1, 0.01)]
    [InlineData(GgmlType.Q8_K, 0.022)]
    [InlineData(GgmlType.Q4_0, 0.17)]
    [InlineData(GgmlType.Q4_1, 0.12)]
    [InlineData(GgmlType.Q5_0, 0.08)]
    [InlineData(GgmlType.Q5_1, 0.057)]
    [InlineData(GgmlType.Q4_K, 0.11)]
    [InlineData(GgmlType.Q5_K, 0.056)]
    [InlineData(GgmlType.Q6_K, 0.031)]
    public void RoundTripErrorIsWithinFormatPrecision(GgmlType type, double maxRelativeRms)
    {
        const int cols = 1024;
        var x = KernelTestData.Floats(cols * 4, seed: 11, scale: 0.05f);
        var back = new float[x.Length];
        var bytes = KernelTestData.QuantizedRows(type, x, 4, cols);
        Dequantize.Row(type, bytes, back);

        double err = 0, norm = 0;
        for (int i = 0; i < x.Length; i++)
        {
            err += (back[i] - x[i]) * (double)(back[i] - x[i]);
            norm += x[i] * (double)x[i];
        }
        double rel = Math.Sqrt(err / norm);
        Assert.True(rel < maxRelativeRms, $"{type}: relative RMS error {rel:G4} exceeds {maxRelativeRms}");
        Assert.True(rel > 0 || type == GgmlType.F32, $"{type}: a lossy format reproduced the input exactly");
    }

    [Fact]
    public void Q8_0ElementErrorIsAtMostHalfAStep()
    {
        var x = KernelTestData.Floats(32 * 64, seed: 3);
        var bytes = KernelTestData.QuantizedRows(GgmlType.Q8_0, x, 1, x.Length);
        var back = new float[x.Length];
        Dequantize.Row(GgmlType.Q8_0, bytes, back);
        for (int b = 0; b < x.Length / 32; b++)
        {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.Max(amax, Math.Abs(x[b * 32 + j]));
            // half a step, plus the fp16 rounding of d (relative 2^-11) times the largest quant 127
            float bound = amax / 127 * 0.5f + amax * 0.0005f;
            for (int j = 0; j < 32; j++) Assert.InRange(back[b * 32 + j] - x[b * 32 + j], -bound, bound);
        }
    }

    [Fact]
    public void ZeroRowsStayZero()
    {
        foreach (var type in new[] { GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_K,
                     GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.F16, GgmlType.BF16 })
        {
            var bytes = KernelTestData.QuantizedRows(type, new float[256], 1, 256);
            var back = new float[256];
            back.AsSpan().Fill(1);
            Dequantize.Row(type, bytes, back);
            Assert.All(back, v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void F32RoundTripIsExact()
    {
        var x = KernelTestData.Floats(64, seed: 5);
        var bytes = KernelTestData.QuantizedRows(GgmlType.F32, x, 1, 64);
        var back = new float[64];
        Dequantize.Row(GgmlType.F32, bytes, back);
        Assert.Equal(x, back);
    }

    [Fact]
    public void BadSizesThrowClearErrors()
    {
        Assert.Throws<ArgumentException>(() => Quantize.RowBytes(GgmlType.Q4_K, 300));
        Assert.Throws<ArgumentException>(() => Quantize.Row(GgmlType.Q8_0, new float[32], new byte[10]));
        Assert.Throws<ArgumentException>(() => Dequantize.Row(GgmlType.Q6_K, new byte[100], new float[256]));
        Assert.Throws<NotSupportedException>(() => Quantize.Row(GgmlType.IQ4_XS, new float[256], new byte[136]));
    }

    [Fact]
    public void RowBytesMatchGgmlBlockSizes()
    {
        Assert.Equal(34 * 28, Quantize.RowBytes(GgmlType.Q8_0, 896));
        Assert.Equal(144 * 19, Quantize.RowBytes(GgmlType.Q4_K, 4864));
        Assert.Equal(210 * 2, Quantize.RowBytes(GgmlType.Q6_K, 512));
        Assert.Equal(292, Quantize.RowBytes(GgmlType.Q8_K, 256));
        Assert.Equal(2 * 896, Quantize.RowBytes(GgmlType.F16, 896));
    }
}
