using Hearth.Engine.Gguf;

namespace Hearth.Engine.Tests.Kernels;

/// <summary>Seeded random rows shaped like real activations and weights.</summary>
internal static class KernelTestData
{
    public static readonly GgmlType[] WeightTypes =
    [
        GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0,
        GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
    ];

    /// <summary>Gaussian-ish values (sum of uniforms) with a few outliers, like trained weights.</summary>
    public static float[] Floats(int count, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var v = new float[count];
        for (int i = 0; i < count; i++)
        {
            float g = (float)(rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5);
            if (rng.Next(64) == 0) g *= 6;
            v[i] = g * scale;
        }
        return v;
    }

    public static byte[] QuantizedRows(GgmlType type, float[] values, int rows, int cols)
    {
        long rowBytes = Hearth.Engine.Kernels.Quantize.RowBytes(type, cols);
        var bytes = new byte[rowBytes * rows];
        for (int r = 0; r < rows; r++)
            Hearth.Engine.Kernels.Quantize.Row(type, values.AsSpan(r * cols, cols), bytes.AsSpan((int)(r * rowBytes), (int)rowBytes));
        return bytes;
    }
}
