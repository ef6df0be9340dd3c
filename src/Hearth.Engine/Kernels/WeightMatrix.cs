using Hearth.Engine.Gguf;

namespace Hearth.Engine.Kernels;

/// <summary>
/// A 2-D weight tensor laid out as GGUF stores it: <see cref="Rows"/> = ne[1], <see cref="Cols"/> = ne[0];
/// each row is <see cref="Cols"/> elements of <see cref="Type"/>, rows back to back. The memory is owned elsewhere
/// (usually a memory-mapped model file) and must outlive every use of this view.
/// </summary>
public readonly unsafe struct WeightMatrix
{
    public WeightMatrix(byte* data, GgmlType type, int rows, int cols)
    {
        if (data == null) throw new ArgumentNullException(nameof(data));
        if (rows <= 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "A weight matrix needs at least one row.");
        if (cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), cols, "A weight matrix needs at least one column.");
        if (!MatMul.Supports(type))
            throw new NotSupportedException($"Weights of type {type} are not supported by the matmul kernels.");
        int block = GgmlTypeInfo.BlockSize(type);
        if (cols % block != 0)
            throw new ArgumentException($"{type} rows hold whole blocks of {block} elements, but the matrix has {cols} columns.", nameof(cols));
        Data = data;
        Type = type;
        Rows = rows;
        Cols = cols;
        RowBytes = Quantize.RowBytes(type, cols);
    }

    public byte* Data { get; }
    public GgmlType Type { get; }
    public int Rows { get; }
    public int Cols { get; }
    /// <summary>Bytes one row takes (whole blocks).</summary>
    public long RowBytes { get; }

    public byte* Row(int row) => Data + row * RowBytes;

    /// <summary>Rows start..start+count-1 as a matrix of their own (a view: fused tensors such as phi3's attn_qkv).</summary>
    public WeightMatrix Slice(int start, int count)
    {
        if (start < 0 || count < 1 || start + (long)count > Rows)
            throw new ArgumentOutOfRangeException(nameof(count), $"Rows {start}..{start + count - 1} are outside a matrix of {Rows} rows.");
        return new WeightMatrix(Data + start * RowBytes, Type, count, Cols);
    }
}
