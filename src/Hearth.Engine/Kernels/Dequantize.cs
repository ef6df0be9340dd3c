using Hearth.Engine.Gguf;

namespace Hearth.Engine.Kernels;

/// <summary>Expands stored rows of any supported type to floats (embedding lookups, tests, conversions).</summary>
public static unsafe class Dequantize
{
    /// <summary>Decodes dst.Length elements (a whole number of blocks) of <paramref name="type"/> from src.</summary>
    public static void Row(GgmlType type, ReadOnlySpan<byte> src, Span<float> dst)
    {
        int count = dst.Length;
        long need = Quantize.RowBytes(type, count);
        if (src.Length < need)
            throw new ArgumentException($"{count} elements of {type} need {need} bytes, but the source has {src.Length}.", nameof(src));
        fixed (byte* x = src)
        fixed (float* y = dst)
        {
            switch (type)
            {
                case GgmlType.F32: new ReadOnlySpan<float>(x, count).CopyTo(dst); break;
                case GgmlType.F16: FloatRows.FromF16((ushort*)x, y, count); break;
                case GgmlType.BF16: FloatRows.FromBf16((ushort*)x, y, count); break;
                case GgmlType.Q8_0: Q8_0.Dequantize(x, y, count); break;
                case GgmlType.Q4_0: Q4_0.Dequantize(x, y, count); break;
                case GgmlType.Q4_1: Q4_1.Dequantize(x, y, count); break;
                case GgmlType.Q5_0: Q5_0.Dequantize(x, y, count); break;
                case GgmlType.Q5_1: Q5_1.Dequantize(x, y, count); break;
                case GgmlType.Q8_1: Q8_1.Dequantize(x, y, count); break;
                case GgmlType.Q4_K: Q4K.Dequantize(x, y, count); break;
                case GgmlType.Q5_K: Q5K.Dequantize(x, y, count); break;
                case GgmlType.Q6_K: Q6K.Dequantize(x, y, count); break;
                case GgmlType.Q8_K: Q8K.Dequantize(x, y, count); break;
                default: throw new NotSupportedException($"Dequantizing {type} is not supported.");
            }
        }
    }
}
