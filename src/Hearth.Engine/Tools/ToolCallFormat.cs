using System.Text.Encodings.Web;
using System.Text.Json;

namespace Hearth.Engine.Tools;

/// <summary>
/// How a model family writes tool calls in its output. Two formats are known:
/// <see cref="Hermes"/> (Qwen2.5, Qwen3, Hermes 3: <c>&lt;tool_call&gt;\n{"name": ..., "arguments": {...}}\n&lt;/tool_call&gt;</c>,
/// several in a row allowed) and <see cref="Llama3Json"/> (Llama 3.1/3.2: the whole reply is
/// <c>{"name": ..., "parameters": {...}}</c>, optionally after <c>&lt;|python_tag|&gt;</c>, one call per reply).
/// Pick one with <see cref="Detect"/>.
/// </summary>
public sealed class ToolCallFormat
{
    internal enum Kind { Hermes, Llama3Json }

    /// <summary><c>&lt;tool_call&gt;</c> JSON of Qwen2.5, Qwen3 and Hermes 3; text may come before, between and after calls.</summary>
    public static ToolCallFormat Hermes { get; } = new(Kind.Hermes, "hermes", "arguments", "<tool_call>\n", "}\n</tool_call>", "\n");

    /// <summary>Llama 3.1/3.2 JSON calls: a reply that starts with <c>{"name": ..., "parameters": ...}</c> is a call.</summary>
    public static ToolCallFormat Llama3Json { get; } = new(Kind.Llama3Json, "llama3-json", "parameters", "", "}", null);

    internal const string OpenTag = "<tool_call>";
    internal const string CloseTag = "</tool_call>";
    internal const string PythonTag = "<|python_tag|>";

    static readonly JsonSerializerOptions NameEncoding = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly string argumentsKey;
    readonly string envelopeStart;
    readonly string envelopeEnd;

    ToolCallFormat(Kind kind, string name, string argumentsKey, string envelopeStart, string envelopeEnd, string? separator)
    {
        FormatKind = kind;
        Name = name;
        this.argumentsKey = argumentsKey;
        this.envelopeStart = envelopeStart;
        this.envelopeEnd = envelopeEnd;
        ParallelCallSeparator = separator;
    }

    internal Kind FormatKind { get; }

    /// <summary>Short name for logs and settings: <c>hermes</c> or <c>llama3-json</c>.</summary>
    public string Name { get; }

    /// <summary>Text between two forced calls in one reply, or null when the format allows one call per reply.</summary>
    public string? ParallelCallSeparator { get; }

    /// <summary>True when the model may make several calls in one reply.</summary>
    public bool SupportsParallelCalls => ParallelCallSeparator != null;

    /// <summary>
    /// The format a chat template asks for, judged by its text (<c>&lt;tool_call&gt;</c> means <see cref="Hermes"/>;
    /// <c>&lt;|python_tag|&gt;</c>, or Llama 3 headers with a <c>"parameters"</c> call, mean <see cref="Llama3Json"/>),
    /// else by special tokens the vocabulary has (<paramref name="hasToken"/>, e.g. <c>t => tokenizer.FindToken(t) != null</c>).
    /// Returns null when neither says: the model has no known tool format.
    /// </summary>
    public static ToolCallFormat? Detect(string? templateSource, Func<string, bool>? hasToken = null)
    {
        if (templateSource != null)
        {
            if (templateSource.Contains(OpenTag, StringComparison.Ordinal)) return Hermes;
            if (templateSource.Contains(PythonTag, StringComparison.Ordinal)) return Llama3Json;
            if (templateSource.Contains("<|start_header_id|>", StringComparison.Ordinal)
                && templateSource.Contains("\"parameters\"", StringComparison.Ordinal)) return Llama3Json;
        }
        if (hasToken != null)
        {
            if (hasToken(OpenTag)) return Hermes;
            if (hasToken(PythonTag)) return Llama3Json;
        }
        return null;
    }

    /// <summary>
    /// The envelope that forces a call of <paramref name="functionName"/>: emit <see cref="ForcedToolCall.Prefix"/>,
    /// an object valid against <see cref="ForcedToolCall.ArgumentsSchema"/>, then <see cref="ForcedToolCall.Suffix"/>.
    /// For <c>tool_choice: "required"</c> with several functions, offer one envelope per function as alternatives.
    /// </summary>
    /// <param name="functionName">The function's name (non-empty).</param>
    /// <param name="parametersSchema">The function's <c>parameters</c> JSON schema; null or empty means any object.</param>
    /// <exception cref="ArgumentException">The name is empty, or the schema is not a JSON object.</exception>
    public ForcedToolCall ForcedCall(string functionName, string? parametersSchema)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionName);
        string prefix = $"{envelopeStart}{{\"name\": {JsonSerializer.Serialize(functionName, NameEncoding)}, \"{argumentsKey}\": ";
        return new ForcedToolCall(prefix, ArgumentsSchema(parametersSchema), envelopeEnd);
    }

    /// <summary>The function's parameters schema, checked to be a JSON object; a missing one allows any object.</summary>
    static string ArgumentsSchema(string? parametersSchema)
    {
        if (string.IsNullOrWhiteSpace(parametersSchema)) return """{"type": "object"}""";
        try
        {
            using var document = JsonDocument.Parse(parametersSchema);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new ArgumentException($"A function's parameters schema must be a JSON object, not {document.RootElement.ValueKind}.", nameof(parametersSchema));
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"A function's parameters schema is not valid JSON: {e.Message}", nameof(parametersSchema), e);
        }
        return parametersSchema;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
