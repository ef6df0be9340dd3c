namespace Hearth.Engine.Gguf;

/// <summary>
/// One entry of the tensor directory. <see cref="Dims"/> is in ggml order: Dims[0] is the innermost
/// (contiguous) dimension. <see cref="Offset"/> is relative to the start of the tensor data section.
/// </summary>
public sealed record GgufTensorInfo(string Name, long[] Dims, GgmlType Type, long Offset, long ByteSize)
{
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Dims) n *= d;
            return n;
        }
    }

    /// <summary>Rows of a 2-D weight as ggml lays it out (ne[1]); 1 for vectors.</summary>
    public long Rows => Dims.Length > 1 ? ElementCount / Dims[0] : 1;

    /// <summary>Elements per row (ne[0]).</summary>
    public long Cols => Dims[0];

    public override string ToString() => $"{Name} {Type} [{string.Join(", ", Dims)}]";
}
