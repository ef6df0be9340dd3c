using Hearth.Engine.Grammar;
using Hearth.Engine.Sampling;
using Hearth.Engine.Tokenization;
using Hearth.Engine.Tools;
using Microsoft.Extensions.AI;

namespace Hearth.Engine.Chat;

/// <summary>What one request asks of the reply's shape: the grammar that constrains decoding, and how tool calls are read back.</summary>
/// <param name="Constraint">Masks tokens at every step (a JSON schema, forced tool calls), or null for free text.</param>
/// <param name="ToolFormat">The format to read tool calls in, or null when the reply is plain content.</param>
/// <param name="CallForced">tool_choice required or a named function: the reply is calls only.</param>
internal sealed record StructuredPlan(ITokenConstraintFactory? Constraint, ToolCallFormat? ToolFormat, bool CallForced)
{
    public static StructuredPlan None { get; } = new(null, null, false);
}

/// <summary>
/// Turns <see cref="ChatOptions.ResponseFormat"/>, <see cref="ChatOptions.Tools"/> and <see cref="ChatOptions.ToolMode"/>
/// into a <see cref="StructuredPlan"/> for one model. Grammars are compiled once per distinct request shape and kept
/// (with the token masks they have computed) for the next request that asks the same.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>response_format json_object / json_schema: every token is masked to the schema's grammar.</item>
/// <item>tools with tool_choice auto (the default): tools are rendered through the template, the reply is free, and
/// calls in the model's format are parsed out of it.</item>
/// <item>tool_choice none: tools are neither rendered nor parsed.</item>
/// <item>tool_choice required / a named function: the reply is forced into the model's own call envelope, arguments
/// masked to the function's parameters schema; several calls in a row where the format allows and
/// <see cref="ChatOptions.AllowMultipleToolCalls"/> is not false.</item>
/// </list>
/// </remarks>
internal sealed class StructuredOutput(Tokenizer tokenizer, ToolCallFormat? format, string modelId, IReadOnlySet<int> renderedTags)
{
    const int CacheSize = 32;
    readonly Dictionary<string, GrammarConstraintFactory> _cache = [];
    readonly LinkedList<string> _recent = [];
    readonly Lazy<TokenTrie> _trie = new(() => renderedTags.Count == 0 ? TokenTrie.For(tokenizer)
        // the tags the output shows are tokens the grammar may pick for their text
        : new TokenTrie(Enumerable.Range(0, tokenizer.VocabSize).Select(id => tokenizer.TokenBytes(id, renderedTags.Contains(id))).ToArray(), tokenizer.EndOfGenerationIds));

    /// <summary>The model's tool-call format, or null when its template shows none (tools are refused then).</summary>
    public ToolCallFormat? Format => format;

    /// <exception cref="ArgumentException">Tools the model can't call, or a tool_choice that names no given tool (ParamName: tools / tool_choice).</exception>
    /// <exception cref="UnsupportedSchemaException">A schema keyword that can't be enforced.</exception>
    /// <exception cref="InvalidSchemaException">A malformed schema.</exception>
    public StructuredPlan Plan(ChatOptions? options)
    {
        if (options is null) return StructuredPlan.None;
        var responseSchema = options.ResponseFormat is ChatResponseFormatJson json ? json.Schema?.GetRawText() ?? """{"type":"object"}""" : null;
        var functions = Functions(options.Tools);
        var mode = options.ToolMode ?? ChatToolMode.Auto;

        if (functions.Count == 0 || mode is NoneChatToolMode)
        {
            if (mode is RequiredChatToolMode) throw new ArgumentException("tool_choice asks for a tool call, but no tools were given.", "tool_choice");
            return responseSchema is null ? StructuredPlan.None
                : new StructuredPlan(Cached("json\n" + responseSchema, () => JsonSchemaGrammar.Compile(responseSchema)), null, false);
        }

        var toolFormat = format ?? throw new ArgumentException(
            $"The model '{modelId}' has no known tool-call format (its chat template shows none), so it can't be given tools.", "tools");

        if (mode is RequiredChatToolMode required)
        {
            var chosen = required.RequiredFunctionName is { } name
                ? [functions.FirstOrDefault(f => f.Name == name) ?? throw new ArgumentException($"tool_choice names the function '{name}', which is not among the tools.", "tool_choice")]
                : functions;
            var separator = options.AllowMultipleToolCalls == false ? null : toolFormat.ParallelCallSeparator;
            return new StructuredPlan(ToolCalls(toolFormat, chosen, separator, null), toolFormat, true);
        }

        // auto: free text with calls parsed out; with a response_format, either calls or the JSON answer
        var constraint = responseSchema is null ? CallsOnceStarted(toolFormat, functions) : ToolCalls(toolFormat, functions, toolFormat.ParallelCallSeparator, responseSchema);
        return new StructuredPlan(constraint, toolFormat, false);
    }

    /// <summary>
    /// Under tool_choice auto in the Hermes format: the reply is free until it writes <c>&lt;tool_call&gt;</c>, then
    /// held to call envelopes whose arguments follow the schemas. Best effort: where a schema can't be enforced,
    /// the reply stays free (auto promises no grammar), and calls are parsed as written.
    /// </summary>
    ITokenConstraintFactory? CallsOnceStarted(ToolCallFormat toolFormat, IReadOnlyList<AIFunctionDeclaration> functions)
    {
        if (toolFormat != ToolCallFormat.Hermes) return null;
        var calls = functions.Select(f => toolFormat.ForcedCall(f.Name, f.JsonSchema.ValueKind == System.Text.Json.JsonValueKind.Undefined ? null : f.JsonSchema.GetRawText())).ToList();
        var trigger = ToolCallFormat.Hermes.Tags[0];
        var key = string.Join("\n", ["auto", toolFormat.Name, .. calls.Select(c => c.Prefix + "\n" + c.ArgumentsSchema + "\n" + c.Suffix)]);
        try
        {
            return new TriggeredConstraintFactory(Cached(key, () => ToolCallGrammar.CompileAfter(calls, toolFormat.ParallelCallSeparator, trigger)), trigger);
        }
        catch (Exception e) when (e is UnsupportedSchemaException or InvalidSchemaException)
        {
            return null;
        }
    }

    static List<AIFunctionDeclaration> Functions(IList<AITool>? tools)
    {
        if (tools is null) return [];
        var functions = new List<AIFunctionDeclaration>(tools.Count);
        foreach (var tool in tools)
        {
            if (tool is not AIFunctionDeclaration f) throw new ArgumentException($"Only function tools are supported, not {tool.GetType().Name} ('{tool.Name}').", "tools");
            if (functions.Any(g => g.Name == f.Name)) throw new ArgumentException($"Two tools are named '{f.Name}'.", "tools");
            functions.Add(f);
        }
        return functions;
    }

    GrammarConstraintFactory ToolCalls(ToolCallFormat toolFormat, IReadOnlyList<AIFunctionDeclaration> functions, string? separator, string? orJsonSchema)
    {
        var calls = functions.Select(f => toolFormat.ForcedCall(f.Name, f.JsonSchema.ValueKind == System.Text.Json.JsonValueKind.Undefined ? null : f.JsonSchema.GetRawText())).ToList();
        Grammar.Grammar Compile() => ToolCallGrammar.Compile(calls, separator, orJsonSchema);
        // A Mistral envelope holds a fresh call id: its grammar is made for this request alone.
        if (toolFormat == ToolCallFormat.Mistral) return new GrammarConstraintFactory(Compile(), _trie.Value);
        var key = string.Join("\n", ["tools", toolFormat.Name, separator ?? "", orJsonSchema ?? "", .. calls.Select(c => c.Prefix + "\n" + c.ArgumentsSchema + "\n" + c.Suffix)]);
        return Cached(key, Compile);
    }

    GrammarConstraintFactory Cached(string key, Func<Grammar.Grammar> compile)
    {
        lock (_cache)
        {
            if (_cache.TryGetValue(key, out var hit))
            {
                _recent.Remove(key);
                _recent.AddFirst(key);
                return hit;
            }
        }
        var factory = new GrammarConstraintFactory(compile(), _trie.Value);
        lock (_cache)
        {
            if (_cache.TryAdd(key, factory))
            {
                _recent.AddFirst(key);
                if (_recent.Count > CacheSize)
                {
                    _cache.Remove(_recent.Last!.Value);
                    _recent.RemoveLast();
                }
            }
            return _cache[key];
        }
    }
}
