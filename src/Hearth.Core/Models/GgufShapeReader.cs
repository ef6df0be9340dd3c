using System.Text;

namespace Hearth.Core.Models;

/// <summary>
/// Reads just enough of a GGUF header (the metadata key/values, never the tensors) to size a model's KV cache
/// for the memory check. Loading the model is the engine's business.
/// </summary>
public static class GgufShapeReader
{
    const uint Magic = 0x46554747; // "GGUF"

    public sealed record GgufShape(string Architecture, ModelShape Shape, int ContextLength);

    public static GgufShape Read(string path)
    {
        using var stream = new BufferedStream(File.OpenRead(path), 1 << 16);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        if (reader.ReadUInt32() != Magic) throw new InvalidDataException($"{path} is not a GGUF file.");
        var version = reader.ReadUInt32();
        if (version < 2) throw new InvalidDataException($"{path} is GGUF version {version}; only 2 and 3 are read.");
        reader.ReadUInt64(); // tensor count
        var count = reader.ReadUInt64();
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        for (ulong i = 0; i < count; i++)
        {
            var key = ReadString(reader);
            var type = reader.ReadUInt32();
            var value = ReadValue(reader, type);
            if (value is not null) values[key] = value;
        }
        var arch = values.GetValueOrDefault("general.architecture") as string
                   ?? throw new InvalidDataException($"{path} has no general.architecture.");
        long Get(string name, long fallback) => values.TryGetValue($"{arch}.{name}", out var v) ? Convert.ToInt64(v) : fallback;
        var embd = (int)Get("embedding_length", 0);
        var heads = (int)Get("attention.head_count", 1);
        var kvHeads = (int)Get("attention.head_count_kv", heads);
        var keyLength = (int)Get("attention.key_length", heads > 0 ? embd / heads : 0);
        var valueLength = (int)Get("attention.value_length", keyLength);
        var shape = new ModelShape((int)Get("block_count", 0), heads, kvHeads, (keyLength + valueLength) / 2, embd);
        return new GgufShape(arch, shape, (int)Get("context_length", 2048));
    }

    // Returns numbers and strings; skips arrays (the tokenizer's are large) and returns null for them.
    static object? ReadValue(BinaryReader r, uint type) => type switch
    {
        0 => r.ReadByte(), 1 => r.ReadSByte(), 2 => r.ReadUInt16(), 3 => r.ReadInt16(),
        4 => r.ReadUInt32(), 5 => r.ReadInt32(), 6 => r.ReadSingle(), 7 => r.ReadByte() != 0,
        8 => ReadString(r), 10 => r.ReadUInt64(), 11 => r.ReadInt64(), 12 => r.ReadDouble(),
        9 => SkipArray(r),
        _ => throw new InvalidDataException($"Unknown GGUF value type {type}."),
    };

    static object? SkipArray(BinaryReader r)
    {
        var type = r.ReadUInt32();
        var count = r.ReadUInt64();
        var width = type switch { 0 or 1 or 7 => 1, 2 or 3 => 2, 4 or 5 or 6 => 4, 10 or 11 or 12 => 8, _ => 0 };
        if (width > 0) { r.BaseStream.Seek((long)count * width, SeekOrigin.Current); return null; }
        if (type == 8)
        {
            // strings (the tokenizer's vocabulary): skip each by its length rather than decode it
            for (ulong i = 0; i < count; i++) r.BaseStream.Seek((long)r.ReadUInt64(), SeekOrigin.Current);
            return null;
        }
        for (ulong i = 0; i < count; i++) ReadValue(r, type);
        return null;
    }

    static string ReadString(BinaryReader r)
    {
        var length = r.ReadUInt64();
        if (length > 1 << 24) throw new InvalidDataException($"GGUF string of {length} bytes.");
        return Encoding.UTF8.GetString(r.ReadBytes((int)length));
    }
}
