using Hearth.Engine.Chat;

namespace Hearth.Engine.Generation;

/// <summary>
/// One event of a generation: a generated token with the text now safe to show (text held back for a possible stop
/// string comes in a later step), or the final step, which carries the finish reason and timings.
/// </summary>
public sealed record GenerationStep
{
    /// <summary>The token generated in this step; -1 on the final step.</summary>
    public int TokenId { get; init; } = -1;

    /// <summary>Text to emit now; may be empty (an incomplete UTF-8 character, or text held back for a stop string).</summary>
    public string Text { get; init; } = "";

    /// <summary>The token's logprob when asked for.</summary>
    public TokenLogprob? Logprob { get; init; }

    /// <summary>Set on the final step only.</summary>
    public GenerationFinishReason? FinishReason { get; init; }

    /// <summary>Set on the final step only.</summary>
    public GenerationTimings? Timings { get; init; }

    public bool IsFinal => FinishReason is not null;
}
