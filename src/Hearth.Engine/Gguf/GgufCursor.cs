using System.Buffers.Binary;
using System.Text;

namespace Hearth.Engine.Gguf;

/// <summary>
/// Reads the GGUF header from memory with a bounds check on every read, so a truncated or lying
/// file fails with a <see cref="GgufFormatException"/> instead of reading past the end.
/// </summary>
internal unsafe ref struct GgufCursor(byte* start, long length)
{
    /// <summary>Longest string we accept (a chat template or a merge is far shorter).</summary>
    public const long MaxStringBytes = 64L << 20;

    readonly byte* _start = start;
    readonly long _length = length;
    public long Position;

    public readonly long Remaining => _length - Position;

    void Need(long bytes, string field)
    {
        if (bytes < 0 || bytes > Remaining)
            throw new GgufFormatException(field, Position, $"needs {bytes} bytes but only {Remaining} remain (truncated file?)");
    }

    public byte U8(string field) { Need(1, field); return _start[Position++]; }

    public uint U32(string field)
    {
        Need(4, field);
        var v = BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(_start + Position, 4));
        Position += 4;
        return v;
    }

    public ulong U64(string field)
    {
        Need(8, field);
        var v = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(_start + Position, 8));
        Position += 8;
        return v;
    }

    /// <summary>A u64 count that must be small enough that each item still has <paramref name="minItemBytes"/> bytes left.</summary>
    public long Count(string field, long minItemBytes)
    {
        long at = Position;
        ulong n = U64(field);
        if (n > (ulong)(Remaining / Math.Max(1, minItemBytes)))
            throw new GgufFormatException(field, at, $"count {n} cannot fit in the {Remaining} bytes that remain");
        return (long)n;
    }

    public string String(string field) => String(field, -1);

    /// <summary>
    /// Element <paramref name="index"/> of a string array (-1: a plain string). The field's name, "field[index]",
    /// is only formatted for an error: a lying array count must not cost a name per element.
    /// </summary>
    public string String(string field, long index)
    {
        long at = Position;
        if (Remaining < 8) throw new GgufFormatException(Name(field, index), at, $"needs 8 bytes but only {Remaining} remain (truncated file?)");
        ulong len = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(_start + Position, 8));
        Position += 8;
        if (len > (ulong)Remaining) throw new GgufFormatException(Name(field, index), at, $"string length {len} exceeds the {Remaining} bytes that remain");
        if (len > MaxStringBytes) throw new GgufFormatException(Name(field, index), at, $"string length {len} exceeds the {MaxStringBytes} byte limit");
        var s = Decode(new ReadOnlySpan<byte>(_start + Position, (int)len));
        Position += (long)len;
        return s;
    }

    /// <summary>
    /// UTF-8 to a string, invalid sequences replaced by U+FFFD as Encoding.UTF8 replaces them. Encoding.UTF8 allocates
    /// for every invalid sequence it replaces (fuzz finding: a 32 MB string of tensor bytes cost 450 MB and 3 s), so
    /// invalid text goes through Utf8.ToUtf16 into one buffer instead: linear time, two allocations.
    /// </summary>
    internal static string Decode(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty) return string.Empty;
        if (System.Text.Unicode.Utf8.IsValid(utf8)) return Encoding.UTF8.GetString(utf8);
        var chars = new char[utf8.Length]; // UTF-16 never needs more code units than UTF-8 has bytes
        System.Text.Unicode.Utf8.ToUtf16(utf8, chars, out _, out int written, replaceInvalidSequences: true);
        return new string(chars, 0, written);
    }

    public static string Name(string field, long index) => index < 0 ? field : $"{field}[{index}]";

    public ReadOnlySpan<byte> Bytes(long count, string field)
    {
        Need(count, field);
        var span = new ReadOnlySpan<byte>(_start + Position, checked((int)count));
        Position += count;
        return span;
    }
}
