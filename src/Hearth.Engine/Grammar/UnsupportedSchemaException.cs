namespace Hearth.Engine.Grammar;

/// <summary>
/// A JSON schema uses a keyword (or a keyword's value) that the grammar compiler can't enforce. It is refused rather
/// than ignored, so every output that comes back really follows the schema. The service answers it with a 400 naming <see cref="Keyword"/>.
/// </summary>
public sealed class UnsupportedSchemaException(string keyword, string detail)
    : NotSupportedException($"JSON schema keyword '{keyword}' is not supported: {detail}")
{
    public string Keyword { get; } = keyword;
}

/// <summary>A JSON schema that is malformed (a keyword with a value of the wrong shape, a $ref that points nowhere).</summary>
public sealed class InvalidSchemaException(string keyword, string detail)
    : ArgumentException($"Invalid JSON schema at '{keyword}': {detail}")
{
    public string Keyword { get; } = keyword;
}
