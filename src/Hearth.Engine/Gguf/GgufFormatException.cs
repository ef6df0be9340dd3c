namespace Hearth.Engine.Gguf;

/// <summary>A GGUF file that is malformed, truncated or lies about its contents. Names the field and byte offset.</summary>
public sealed class GgufFormatException(string field, long offset, string problem)
    : Exception($"Invalid GGUF file: {field} at byte offset {offset}: {problem}")
{
    public string Field { get; } = field;
    public long Offset { get; } = offset;
}
