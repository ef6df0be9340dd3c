namespace Hearth.Engine.Templates;

/// <summary>
/// The variables a chat template is rendered with, as Hugging Face transformers passes them: messages, tools,
/// add_generation_prompt, bos_token, eos_token, plus any extra variables (enable_thinking, documents, ...).
/// Values may be System.Text.Json JsonElement/JsonNode or plain .NET values: IDictionary&lt;string, object?&gt;,
/// IList&lt;object?&gt;, string, long, double, bool and null.
/// </summary>
public sealed class TemplateContext
{
    /// <summary>The conversation: a list of {role, content, ...} objects.</summary>
    public object? Messages { get; init; }

    /// <summary>Tool definitions; null leaves `tools` undefined, as transformers does when no tools are given.</summary>
    public object? Tools { get; init; }

    public bool AddGenerationPrompt { get; init; }

    /// <summary>null leaves the variable undefined.</summary>
    public string? BosToken { get; init; }

    /// <summary>null leaves the variable undefined.</summary>
    public string? EosToken { get; init; }

    /// <summary>Extra template variables; they override the named ones above.</summary>
    public IDictionary<string, object?> Variables { get; init; } = new Dictionary<string, object?>();

    /// <summary>The clock strftime_now() reads (local time of the provider).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Rendering fails once this many characters have been produced (guards hostile templates).</summary>
    public int MaxOutputLength { get; init; } = 8 * 1024 * 1024;

    /// <summary>Rendering fails after this many loop iterations in total.</summary>
    public long MaxLoopIterations { get; init; } = 10_000_000;

    /// <summary>Deepest macro call nesting allowed (recursive macros).</summary>
    public int MaxCallDepth { get; init; } = 200;
}
