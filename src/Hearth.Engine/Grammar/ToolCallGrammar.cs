using System.Text.Json;
using Hearth.Engine.Tools;

namespace Hearth.Engine.Grammar;

/// <summary>
/// The grammar of a reply that must be tool calls (OpenAI <c>tool_choice: "required"</c> or a named function): one of
/// the <see cref="ForcedToolCall"/> envelopes, its arguments valid against the function's parameters schema; with a
/// separator, more calls may follow. Optionally a JSON answer is an alternative to the calls (tools offered together
/// with a <c>response_format</c>).
/// </summary>
public static class ToolCallGrammar
{
    /// <param name="calls">The envelopes the reply may use, one per function it may call (at least one).</param>
    /// <param name="separator">Text between calls, or null for exactly one call.</param>
    /// <param name="orJsonSchema">A JSON schema (text) whose values may come instead of the calls; null: calls only.</param>
    /// <exception cref="UnsupportedSchemaException">A parameters schema uses a keyword the compiler can't enforce.</exception>
    /// <exception cref="InvalidSchemaException">A parameters schema is malformed.</exception>
    public static Grammar Compile(IReadOnlyList<ForcedToolCall> calls, string? separator, string? orJsonSchema = null) =>
        Compile(calls, separator, orJsonSchema, written: "");

    /// <summary>
    /// As <see cref="Compile(IReadOnlyList{ForcedToolCall}, string?, string?)"/>, for a reply in which
    /// <paramref name="written"/> (the start every envelope shares, such as <c>&lt;tool_call&gt;</c>) has already come:
    /// the grammar of the rest, for a <see cref="TriggeredConstraintFactory"/> on that text.
    /// </summary>
    public static Grammar CompileAfter(IReadOnlyList<ForcedToolCall> calls, string? separator, string written)
    {
        ArgumentNullException.ThrowIfNull(written);
        if (calls.Any(c => !c.Prefix.StartsWith(written, StringComparison.Ordinal)))
            throw new ArgumentException($"Every envelope must start with '{written}'.", nameof(written));
        return Compile(calls, separator, null, written);
    }

    static Grammar Compile(IReadOnlyList<ForcedToolCall> calls, string? separator, string? orJsonSchema, string written)
    {
        ArgumentNullException.ThrowIfNull(calls);
        if (calls.Count == 0) throw new ArgumentException("At least one call is needed.", nameof(calls));

        var g = new GrammarBuilder();
        var root = g.NewRule();
        var arguments = calls.Select(c => g.Rule(Schema(g, c.ArgumentsSchema))).ToArray();
        var call = g.Rule(calls.Select((c, i) => (int[])[.. g.Literal(c.Prefix), arguments[i], .. g.Literal(c.Suffix)]).ToArray());
        var first = written.Length == 0 ? call
            : g.Rule(calls.Select((c, i) => (int[])[.. g.Literal(c.Prefix[written.Length..]), arguments[i], .. g.Literal(c.Suffix)]).ToArray());
        int[] reply = separator is null ? [first] : [first, g.Star([.. g.Literal(separator), call])];
        if (written.Length > 0) reply = [.. reply, JsonGrammar.Space(g)]; // a model's own newline before it ends its turn
        if (orJsonSchema is null) g.Define(root, reply);
        else
        {
            var ws = JsonGrammar.Space(g);
            g.Define(root, reply, [ws, .. Schema(g, orJsonSchema), ws]);
        }
        return g.Build(root);
    }

    static int[] Schema(GrammarBuilder g, string schemaJson)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(schemaJson); }
        catch (JsonException e) { throw new InvalidSchemaException("#", $"the schema is not valid JSON: {e.Message}"); }
        using (doc) return new SchemaCompiler(doc.RootElement, g).Embed();
    }
}
