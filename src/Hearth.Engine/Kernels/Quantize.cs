using Hearth.Engine.Gguf;

namespace Hearth.Engine.Kernels;

/// <summary>
/// Encodes float rows into stored types with the same rounding as ggml's reference quantize_row_*_ref, so files we
/// write hold what llama-quantize would write (without an importance matrix).
/// </summary>
public static unsafe class Quantize
{
    /// <summary>Bytes a row of <paramref name="cols"/> elements takes; cols must be a whole number of blocks.</summary>
    public static long RowBytes(GgmlType type, int cols)
    {
        int blockBytes = GgmlTypeInfo.BlockBytes(type);
        if (blockBytes == 0) throw new NotSupportedException($"Type {type} has no known block layout.");
        int block = GgmlTypeInfo.BlockSize(type);
        if (cols < 0 || cols % block != 0)
            throw new ArgumentException($"A {type} row holds whole blocks of {block} elements; {cols} is not a multiple.", nameof(cols));
        return (long)(cols / block) * blockBytes;
    }

    /// <summary>Encodes src (a whole number of blocks) as <paramref name="type"/> into dst.</summary>
    public static void Row(GgmlType type, ReadOnlySpan<float> src, Span<byte> dst)
    {
        int count = src.Length;
        long need = RowBytes(type, count);
        if (dst.Length < need)
            throw new ArgumentException($"{count} elements of {type} need {need} bytes, but the destination has {dst.Length}.", nameof(dst));
        fixed (float* x = src)
        fixed (byte* y = dst)
        {
            switch (type)
            {
                case GgmlType.F32: src.CopyTo(new Span<float>(y, count)); break;
                case GgmlType.F16: FloatRows.ToF16(x, (ushort*)y, count); break;
                case GgmlType.BF16: FloatRows.ToBf16(x, (ushort*)y, count); break;
                case GgmlType.Q8_0: Q8_0.Quantize(x, y, count); break;
                case GgmlType.Q4_0: Q4_0.Quantize(x, y, count); break;
                case GgmlType.Q4_1: Q4_1.Quantize(x, y, count); break;
                case GgmlType.Q5_0: Q5_0.Quantize(x, y, count); break;
                case GgmlType.Q5_1: Q5_1.Quantize(x, y, count); break;
                case GgmlType.Q8_1: Q8_1.Quantize(x, y, count); break;
                case GgmlType.Q4_K: Q4K.Quantize(x, y, count); break;
                case GgmlType.Q5_K: Q5K.Quantize(x, y, count); break;
                case GgmlType.Q6_K: Q6K.Quantize(x, y, count); break;
                case GgmlType.Q8_K: Q8K.Quantize(x, y, count); break;
                default: throw new NotSupportedException($"Quantizing to {type} is not supported.");
            }
        }
    }
}
