using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Hearth.Engine.Gguf;

/// <summary>
/// A GGUF file (version 2 or 3) mapped into memory: its metadata, its tensor directory, and zero-copy
/// views of tensor data. Every field is validated as it is read; a malformed file throws
/// <see cref="GgufFormatException"/>.
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    const uint Magic = 0x46554747; // "GGUF" little-endian
    const int MaxDims = 4;          // GGML_MAX_DIMS
    public const int DefaultAlignment = 32;

    readonly MemoryMappedFile? _map;
    readonly MemoryMappedViewAccessor? _view;
    readonly byte* _base;
    readonly Dictionary<string, GgufTensorInfo> _tensorsByName;
    bool _disposed;

    public string? Path { get; }
    public uint Version { get; }
    public long FileLength { get; }
    public int Alignment { get; }
    /// <summary>Byte offset of the tensor data section from the start of the file.</summary>
    public long DataOffset { get; }
    public IReadOnlyDictionary<string, GgufValue> Metadata { get; }
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    GgufFile(string? path, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* data, long length)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = data;
        FileLength = length;
        try
        {
            var c = new GgufCursor(data, length);
            if (c.U32("magic") != Magic) throw new GgufFormatException("magic", 0, "not a GGUF file (expected 'GGUF')");
            Version = c.U32("version");
            if (Version is not (2 or 3))
            {
                var hint = Version == 1 ? "GGUF v1 is not supported; re-convert the model"
                    : (Version & 0xFFFF) == 0 ? "big-endian GGUF files are not supported" : "unknown version";
                throw new GgufFormatException("version", 4, $"{Version}: {hint}");
            }
            // Each tensor entry takes at least 8+4+4+8 bytes, each KV at least 8+4+1.
            long tensorCount = c.Count("tensor_count", 24);
            long kvCount = c.Count("metadata_kv_count", 13);

            var metadata = new Dictionary<string, GgufValue>((int)Math.Min(kvCount, 4096));
            for (long i = 0; i < kvCount; i++)
            {
                long at = c.Position;
                var key = c.String($"metadata[{i}].key");
                var value = ReadValue(ref c, $"metadata '{key}'");
                if (!metadata.TryAdd(key, value)) throw new GgufFormatException($"metadata '{key}'", at, "duplicate key");
            }
            Metadata = metadata;

            Alignment = DefaultAlignment;
            if (metadata.TryGetValue("general.alignment", out var alignValue))
            {
                long a = alignValue.Value is uint u ? u : -1;
                if (a <= 0 || (a & (a - 1)) != 0 || a > 1 << 20)
                    throw new GgufFormatException("general.alignment", 0, $"{alignValue.Value} is not a power of two up to 1 MiB");
                Alignment = (int)a;
            }

            var infos = new List<(string Name, long[] Dims, GgmlType Type, ulong Offset, long At)>((int)Math.Min(tensorCount, 65536));
            for (long i = 0; i < tensorCount; i++)
            {
                long at = c.Position;
                var name = c.String($"tensor[{i}].name");
                var field = $"tensor '{name}'";
                uint nDims = c.U32(field + ".n_dims");
                if (nDims is 0 or > MaxDims) throw new GgufFormatException(field + ".n_dims", c.Position - 4, $"{nDims} is not between 1 and {MaxDims}");
                var dims = new long[nDims];
                for (int d = 0; d < nDims; d++)
                {
                    ulong dim = c.U64($"{field}.dims[{d}]");
                    if (dim == 0 || dim > int.MaxValue) throw new GgufFormatException($"{field}.dims[{d}]", c.Position - 8, $"dimension {dim} is out of range");
                    dims[d] = (long)dim;
                }
                uint type = c.U32(field + ".type");
                if (!GgmlTypeInfo.IsKnown((GgmlType)type)) throw new GgufFormatException(field + ".type", c.Position - 4, $"unknown or unsupported ggml type {type}");
                ulong offset = c.U64(field + ".offset");
                infos.Add((name, dims, (GgmlType)type, offset, at));
            }

            DataOffset = AlignUp(c.Position, Alignment);
            // Vocab-only files (no tensors) may end right after the metadata, without the alignment padding.
            if (DataOffset > length && infos.Count == 0) DataOffset = length;
            if (DataOffset > length) throw new GgufFormatException("tensor data", c.Position, "file ends before the tensor data section");
            long dataLength = length - DataOffset;

            var tensors = new List<GgufTensorInfo>(infos.Count);
            _tensorsByName = new Dictionary<string, GgufTensorInfo>(infos.Count);
            foreach (var (name, dims, type, offset, at) in infos)
            {
                var field = $"tensor '{name}'";
                long size = TensorBytes(dims, type, field, at);
                if (offset % (ulong)Alignment != 0) throw new GgufFormatException(field + ".offset", at, $"offset {offset} is not aligned to {Alignment}");
                if (offset > (ulong)dataLength || (ulong)size > (ulong)dataLength - offset)
                    throw new GgufFormatException(field + ".offset", at, $"data [{offset}, {offset}+{size}) lies outside the {dataLength}-byte data section");
                var info = new GgufTensorInfo(name, dims, type, (long)offset, size);
                if (!_tensorsByName.TryAdd(name, info)) throw new GgufFormatException(field, at, "duplicate tensor name");
                tensors.Add(info);
            }
            Tensors = tensors;
        }
        catch
        {
            _view?.Dispose();
            _map?.Dispose();
            throw;
        }
    }

    /// <summary>Maps a GGUF file read-only and parses its header; tensor data stays on disk until touched.</summary>
    public static GgufFile Open(string path)
    {
        var length = new FileInfo(path).Length;
        if (length < 24) throw new GgufFormatException("header", 0, $"file is {length} bytes, too short for a GGUF header");
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            p += view.PointerOffset;
            return new GgufFile(path, map, view, p, length);
        }
        catch
        {
            // The constructor disposes on its own failures; this covers failures before it ran.
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Parses GGUF bytes already in memory. The caller keeps <paramref name="data"/> alive and pinned
    /// for the lifetime of the returned file (used by tests and the fuzzer).
    /// </summary>
    public static GgufFile Parse(byte* data, long length) => new(null, null, null, data, length);

    public GgufTensorInfo GetTensor(string name) =>
        _tensorsByName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"GGUF file has no tensor '{name}'");

    public bool TryGetTensor(string name, out GgufTensorInfo tensor) => _tensorsByName.TryGetValue(name, out tensor!);

    /// <summary>Pointer to a tensor's bytes inside the mapping; valid until this file is disposed.</summary>
    public byte* GetTensorPointer(GgufTensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _base + DataOffset + tensor.Offset;
    }

    /// <summary>A zero-copy view of a tensor's bytes (only for tensors under 2 GiB).</summary>
    public ReadOnlySpan<byte> GetTensorData(GgufTensorInfo tensor) =>
        new(GetTensorPointer(tensor), checked((int)tensor.ByteSize));

    // ---- typed metadata access ----

    public bool Contains(string key) => Metadata.ContainsKey(key);

    public string? GetString(string key) => Metadata.TryGetValue(key, out var v) && v.Value is string s ? s : null;

    public long? GetInteger(string key) => Metadata.TryGetValue(key, out var v) ? v.Value switch
    {
        byte b => b, sbyte b => b, ushort s => s, short s => s, uint u => u, int i => i, ulong u => (long)u, long l => l,
        _ => throw new GgufFormatException($"metadata '{key}'", 0, $"expected an integer but found {v.Type}"),
    } : null;

    public float? GetFloat(string key) => Metadata.TryGetValue(key, out var v) ? v.Value switch
    {
        float f => f, double d => (float)d,
        byte or sbyte or ushort or short or uint or int or ulong or long => Convert.ToSingle(v.Value),
        _ => throw new GgufFormatException($"metadata '{key}'", 0, $"expected a number but found {v.Type}"),
    } : null;

    public bool? GetBool(string key) => Metadata.TryGetValue(key, out var v) ? v.Value is bool b ? b
        : throw new GgufFormatException($"metadata '{key}'", 0, $"expected a bool but found {v.Type}") : null;

    public T[]? GetArray<T>(string key) => Metadata.TryGetValue(key, out var v) ? v.Value as T[]
        ?? throw new GgufFormatException($"metadata '{key}'", 0, $"expected an array of {typeof(T).Name} but found {v}") : null;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_view != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }

    // ---- parsing helpers ----

    static GgufValue ReadValue(ref GgufCursor c, string field)
    {
        long at = c.Position;
        var type = (GgufValueType)c.U32(field + ".type");
        if (type == GgufValueType.Array)
        {
            var elementType = (GgufValueType)c.U32(field + ".array_type");
            if (elementType == GgufValueType.Array) throw new GgufFormatException(field, at, "nested arrays are not supported");
            long size = ScalarSize(elementType, field, at);
            long n = c.Count(field + ".array_length", size);
            return new GgufValue(type, ReadArray(ref c, elementType, n, field), elementType);
        }
        return new GgufValue(type, ReadScalar(ref c, type, field, at));
    }

    static object ReadScalar(ref GgufCursor c, GgufValueType type, string field, long at) => type switch
    {
        GgufValueType.UInt8 => c.U8(field),
        GgufValueType.Int8 => (sbyte)c.U8(field),
        GgufValueType.UInt16 => (ushort)(c.U8(field) | c.U8(field) << 8),
        GgufValueType.Int16 => (short)(c.U8(field) | c.U8(field) << 8),
        GgufValueType.UInt32 => c.U32(field),
        GgufValueType.Int32 => (int)c.U32(field),
        GgufValueType.Float32 => BitConverter.UInt32BitsToSingle(c.U32(field)),
        GgufValueType.Bool => ReadBool(ref c, field),
        GgufValueType.String => c.String(field),
        GgufValueType.UInt64 => c.U64(field),
        GgufValueType.Int64 => (long)c.U64(field),
        GgufValueType.Float64 => BitConverter.UInt64BitsToDouble(c.U64(field)),
        _ => throw new GgufFormatException(field + ".type", at, $"unknown value type {(uint)type}"),
    };

    static bool ReadBool(ref GgufCursor c, string field, long index = -1)
    {
        long at = c.Position;
        if (c.Remaining < 1) throw new GgufFormatException(GgufCursor.Name(field, index), at, "needs 1 byte but none remain (truncated file?)");
        byte b = c.U8(field);
        return b switch { 0 => false, 1 => true, _ => throw new GgufFormatException(GgufCursor.Name(field, index), at, $"bool byte {b} is neither 0 nor 1") };
    }

    /// <summary>Smallest encoded size of one element (strings: their 8-byte length).</summary>
    static long ScalarSize(GgufValueType type, string field, long at) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
        _ => throw new GgufFormatException(field + ".array_type", at, $"unknown value type {(uint)type}"),
    };

    static object ReadArray(ref GgufCursor c, GgufValueType type, long n, string field)
    {
        // The count was already checked against the bytes remaining, so these allocations are bounded by the file size.
        int count = checked((int)n);
        switch (type)
        {
            case GgufValueType.String:
                var strings = new string[count];
                for (int i = 0; i < count; i++) strings[i] = c.String(field, i);
                return strings;
            case GgufValueType.Bool:
                var bools = new bool[count];
                for (int i = 0; i < count; i++) bools[i] = ReadBool(ref c, field, i);
                return bools;
            case GgufValueType.UInt8: return c.Bytes(count, field).ToArray();
            case GgufValueType.Int8: return MemoryMarshal.Cast<byte, sbyte>(c.Bytes(count, field)).ToArray();
            case GgufValueType.UInt16: return MemoryMarshal.Cast<byte, ushort>(c.Bytes(count * 2L, field)).ToArray();
            case GgufValueType.Int16: return MemoryMarshal.Cast<byte, short>(c.Bytes(count * 2L, field)).ToArray();
            case GgufValueType.UInt32: return MemoryMarshal.Cast<byte, uint>(c.Bytes(count * 4L, field)).ToArray();
            case GgufValueType.Int32: return MemoryMarshal.Cast<byte, int>(c.Bytes(count * 4L, field)).ToArray();
            case GgufValueType.Float32: return MemoryMarshal.Cast<byte, float>(c.Bytes(count * 4L, field)).ToArray();
            case GgufValueType.UInt64: return MemoryMarshal.Cast<byte, ulong>(c.Bytes(count * 8L, field)).ToArray();
            case GgufValueType.Int64: return MemoryMarshal.Cast<byte, long>(c.Bytes(count * 8L, field)).ToArray();
            case GgufValueType.Float64: return MemoryMarshal.Cast<byte, double>(c.Bytes(count * 8L, field)).ToArray();
            default: throw new GgufFormatException(field + ".array_type", c.Position, $"unknown value type {(uint)type}");
        }
    }

    /// <summary>Bytes a tensor occupies, with every multiplication checked for overflow.</summary>
    static long TensorBytes(long[] dims, GgmlType type, string field, long at)
    {
        int block = GgmlTypeInfo.BlockSize(type);
        if (dims[0] % block != 0)
            throw new GgufFormatException(field + ".dims[0]", at, $"row length {dims[0]} is not a multiple of {type}'s block size {block}");
        try
        {
            long bytes = dims[0] / block * GgmlTypeInfo.BlockBytes(type);
            for (int d = 1; d < dims.Length; d++) bytes = checked(bytes * dims[d]);
            return bytes;
        }
        catch (OverflowException)
        {
            throw new GgufFormatException(field + ".dims", at, $"size of [{string.Join(", ", dims)}] overflows");
        }
    }

    internal static long AlignUp(long value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
