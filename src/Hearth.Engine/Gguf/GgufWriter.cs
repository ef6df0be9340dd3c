using System.Text;

namespace Hearth.Engine.Gguf;

/// <summary>
/// Writes GGUF v3 files: metadata in insertion order, then the tensor directory, then aligned tensor data.
/// Used by tests, the fuzzer and the benchmark's model generator.
/// </summary>
public sealed class GgufWriter
{
    readonly List<(string Key, GgufValue Value)> _metadata = [];
    readonly List<(string Name, long[] Dims, GgmlType Type, ReadOnlyMemory<byte> Data)> _tensors = [];

    public int Alignment { get; set; } = GgufFile.DefaultAlignment;

    public GgufWriter Add(string key, string value) => AddValue(key, new(GgufValueType.String, value));
    public GgufWriter Add(string key, uint value) => AddValue(key, new(GgufValueType.UInt32, value));
    public GgufWriter Add(string key, int value) => AddValue(key, new(GgufValueType.Int32, value));
    public GgufWriter Add(string key, ulong value) => AddValue(key, new(GgufValueType.UInt64, value));
    public GgufWriter Add(string key, float value) => AddValue(key, new(GgufValueType.Float32, value));
    public GgufWriter Add(string key, bool value) => AddValue(key, new(GgufValueType.Bool, value));
    public GgufWriter Add(string key, string[] values) => AddValue(key, new(GgufValueType.Array, values, GgufValueType.String));
    public GgufWriter Add(string key, int[] values) => AddValue(key, new(GgufValueType.Array, values, GgufValueType.Int32));
    public GgufWriter Add(string key, float[] values) => AddValue(key, new(GgufValueType.Array, values, GgufValueType.Float32));

    public GgufWriter AddValue(string key, GgufValue value)
    {
        _metadata.Add((key, value));
        return this;
    }

    /// <summary>Adds a tensor; <paramref name="dims"/> in ggml order (innermost first); data already in <paramref name="type"/>'s encoding.</summary>
    public GgufWriter AddTensor(string name, GgmlType type, long[] dims, ReadOnlyMemory<byte> data)
    {
        long expected = dims[0] / GgmlTypeInfo.BlockSize(type) * GgmlTypeInfo.BlockBytes(type);
        for (int i = 1; i < dims.Length; i++) expected *= dims[i];
        if (data.Length != expected) throw new ArgumentException($"tensor '{name}' needs {expected} bytes of {type}, got {data.Length}", nameof(data));
        _tensors.Add((name, dims, type, data));
        return this;
    }

    public void Write(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Write(stream);
    }

    public void Write(Stream stream)
    {
        var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(0x46554747u);
        w.Write(3u);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)(_metadata.Count + (Alignment != GgufFile.DefaultAlignment ? 1 : 0)));
        if (Alignment != GgufFile.DefaultAlignment)
        {
            WriteString(w, "general.alignment");
            w.Write((uint)GgufValueType.UInt32);
            w.Write((uint)Alignment);
        }
        foreach (var (key, value) in _metadata)
        {
            WriteString(w, key);
            w.Write((uint)value.Type);
            if (value.Type == GgufValueType.Array)
            {
                var array = (Array)value.Value;
                w.Write((uint)value.ElementType);
                w.Write((ulong)array.Length);
                foreach (var item in array) WriteScalar(w, value.ElementType, item!);
            }
            else WriteScalar(w, value.Type, value.Value);
        }

        long offset = 0;
        foreach (var (name, dims, type, data) in _tensors)
        {
            WriteString(w, name);
            w.Write((uint)dims.Length);
            foreach (var d in dims) w.Write((ulong)d);
            w.Write((uint)type);
            w.Write((ulong)offset);
            offset = GgufFile.AlignUp(offset + data.Length, Alignment);
        }

        Pad(w, stream.Position);
        foreach (var (_, _, _, data) in _tensors)
        {
            w.Write(data.Span);
            Pad(w, data.Length);
        }
        w.Flush();
    }

    void Pad(BinaryWriter w, long written)
    {
        long padding = GgufFile.AlignUp(written, Alignment) - written;
        for (long i = 0; i < padding; i++) w.Write((byte)0);
    }

    static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    static void WriteScalar(BinaryWriter w, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: w.Write(Convert.ToByte(value)); break;
            case GgufValueType.Int8: w.Write(Convert.ToSByte(value)); break;
            case GgufValueType.UInt16: w.Write(Convert.ToUInt16(value)); break;
            case GgufValueType.Int16: w.Write(Convert.ToInt16(value)); break;
            case GgufValueType.UInt32: w.Write(Convert.ToUInt32(value)); break;
            case GgufValueType.Int32: w.Write(Convert.ToInt32(value)); break;
            case GgufValueType.Float32: w.Write(Convert.ToSingle(value)); break;
            case GgufValueType.Bool: w.Write((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.String: WriteString(w, (string)value); break;
            case GgufValueType.UInt64: w.Write(Convert.ToUInt64(value)); break;
            case GgufValueType.Int64: w.Write(Convert.ToInt64(value)); break;
            case GgufValueType.Float64: w.Write(Convert.ToDouble(value)); break;
            default: throw new ArgumentException($"cannot write value type {type}");
        }
    }
}
