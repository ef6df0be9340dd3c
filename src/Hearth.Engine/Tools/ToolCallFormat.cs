using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Hearth.Engine.Tools;

/// <summary>
/// How a model family writes tool calls in its output. Pick one with <see cref="Detect"/>:
/// <list type="bullet">
/// <item><see cref="Hermes"/> (Qwen2.5, Qwen3, Hermes 3): <c>&lt;tool_call&gt;\n{"name": ..., "arguments": {...}}\n&lt;/tool_call&gt;</c>,
/// anywhere in the reply, several in a row allowed.</item>
/// <item><see cref="Llama3Json"/> (Llama 3.1/3.2): a reply that starts with <c>{"name": ..., "parameters": {...}}</c>,
/// optionally after <c>&lt;|python_tag|&gt;</c>, is a call; one per reply.</item>
/// <item><see cref="Mistral"/> (Mistral Nemo and kin): a reply that starts with <c>[TOOL_CALLS][{"name": ..., "arguments": {...}, "id": "..."}, ...]</c>.</item>
/// </list>
/// </summary>
public sealed class ToolCallFormat
{
    internal const string OpenTag = "<tool_call>";
    internal const string CloseTag = "</tool_call>";
    internal const string PythonTag = "<|python_tag|>";
    internal const string MistralTag = "[TOOL_CALLS]";

    const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static readonly JsonSerializerOptions NameEncoding = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>&lt;tool_call&gt;</c> JSON of Qwen2.5, Qwen3 and Hermes 3; text may come before, between and after calls.</summary>
    public static ToolCallFormat Hermes { get; } = new("hermes", leadingTag: null, opening: '\0', "arguments",
        OpenTag + "\n", "}\n" + CloseTag, separator: "\n", parallel: true);

    /// <summary>Llama 3.1/3.2 JSON calls: a reply that starts with <c>{"name": ..., "parameters": ...}</c> is a call.</summary>
    public static ToolCallFormat Llama3Json { get; } = new("llama3-json", PythonTag, '{', "parameters",
        "", "}", separator: null, parallel: false);

    /// <summary>Mistral calls: a reply that starts with <c>[TOOL_CALLS]</c> and a JSON array of call objects. Ids are 9 letters and digits, as its template demands.</summary>
    public static ToolCallFormat Mistral { get; } = new("mistral", MistralTag, '[', "arguments",
        MistralTag + "[", "}]", separator: null, parallel: true);

    readonly string argumentsKey;
    readonly string envelopeStart;
    readonly string envelopeEnd;

    ToolCallFormat(string name, string? leadingTag, char opening, string argumentsKey, string envelopeStart, string envelopeEnd, string? separator, bool parallel)
    {
        Name = name;
        LeadingTag = leadingTag;
        Opening = opening;
        this.argumentsKey = argumentsKey;
        this.envelopeStart = envelopeStart;
        this.envelopeEnd = envelopeEnd;
        ParallelCallSeparator = separator;
        SupportsParallelCalls = parallel;
    }

    /// <summary>Short name for logs and settings: <c>hermes</c>, <c>llama3-json</c> or <c>mistral</c>.</summary>
    public string Name { get; }

    /// <summary>
    /// Tag texts the parser reads in the decoded reply. Where the vocabulary has one as a control token, decode that
    /// token with its text rendered, or the parser cannot see it (the Llama and Mistral tags are optional to it).
    /// </summary>
    public IReadOnlyList<string> Tags => LeadingTag == null ? [OpenTag, CloseTag] : [LeadingTag];

    /// <summary>True when the model may make several calls in one reply.</summary>
    public bool SupportsParallelCalls { get; }

    /// <summary>Text between two <see cref="ForcedCall"/> envelopes in one reply, or null when forced calls do not chain.</summary>
    public string? ParallelCallSeparator { get; }

    /// <summary>Null for tag formats (calls anywhere); else the optional marker before a call at the start of the reply.</summary>
    internal string? LeadingTag { get; }

    /// <summary>The JSON character a reply-leading call starts with: <c>{</c> one call, <c>[</c> an array of calls.</summary>
    internal char Opening { get; }

    /// <summary>
    /// The format a chat template asks for, judged by its text (<c>&lt;tool_call&gt;</c>: <see cref="Hermes"/>;
    /// <c>[TOOL_CALLS]</c>: <see cref="Mistral"/>; <c>&lt;|python_tag|&gt;</c>, or Llama 3 headers with a
    /// <c>"parameters"</c> call: <see cref="Llama3Json"/>), else by the special tokens the vocabulary has
    /// (<paramref name="hasToken"/>, e.g. <c>t => tokenizer.FindToken(t) != null</c>).
    /// Returns null when neither says: the model has no known tool format.
    /// </summary>
    public static ToolCallFormat? Detect(string? templateSource, Func<string, bool>? hasToken = null)
    {
        if (templateSource != null)
        {
            if (templateSource.Contains(OpenTag, StringComparison.Ordinal)) return Hermes;
            if (templateSource.Contains(MistralTag, StringComparison.Ordinal)) return Mistral;
            if (templateSource.Contains(PythonTag, StringComparison.Ordinal)) return Llama3Json;
            if (templateSource.Contains("<|start_header_id|>", StringComparison.Ordinal)
                && templateSource.Contains("\"parameters\"", StringComparison.Ordinal)) return Llama3Json;
        }
        if (hasToken != null)
        {
            if (hasToken(OpenTag)) return Hermes;
            if (hasToken(MistralTag)) return Mistral;
            if (hasToken(PythonTag)) return Llama3Json;
        }
        return null;
    }

    /// <summary>A fresh call id in this format's style: <c>call_</c> and 24 letters and digits, or 9 for <see cref="Mistral"/>.</summary>
    public string NewCallId() => this == Mistral
        ? RandomNumberGenerator.GetString(IdAlphabet, 9)
        : "call_" + RandomNumberGenerator.GetString(IdAlphabet, 24);

    /// <summary>
    /// The envelope that forces a call of <paramref name="functionName"/>: emit <see cref="ForcedToolCall.Prefix"/>,
    /// an object valid against <see cref="ForcedToolCall.ArgumentsSchema"/>, then <see cref="ForcedToolCall.Suffix"/>.
    /// For <c>tool_choice: "required"</c> with several functions, offer one envelope per function as alternatives.
    /// The prefix may hold special-token text (<c>&lt;tool_call&gt;</c>, <c>[TOOL_CALLS]</c>): tokenize it with special tokens parsed.
    /// </summary>
    /// <param name="functionName">The function's name (non-empty).</param>
    /// <param name="parametersSchema">The function's <c>parameters</c> JSON schema; null or empty means any object.</param>
    /// <exception cref="ArgumentException">The name is empty, or the schema is not a JSON object.</exception>
    public ForcedToolCall ForcedCall(string functionName, string? parametersSchema)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionName);
        string prefix = $"{envelopeStart}{{\"name\": {JsonSerializer.Serialize(functionName, NameEncoding)}, \"{argumentsKey}\": ";
        string suffix = this == Mistral ? $", \"id\": \"{NewCallId()}\"{envelopeEnd}" : envelopeEnd;
        return new ForcedToolCall(prefix, ArgumentsSchema(parametersSchema), suffix);
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
