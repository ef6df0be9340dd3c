namespace Hearth.Core.Memory;

/// <summary>How conversation memory replays history.</summary>
public sealed class MemoryOptions
{
    /// <summary>ChatOptions.AdditionalProperties key: a request's own replay budget in tokens (int).</summary>
    public const string WindowKey = "hearth.memory_window";

    /// <summary>
    /// Most tokens of replayed history (prompt included) per completion; null: the model's whole context window.
    /// Either way the window never exceeds <c>context_window - max_tokens</c>.
    /// </summary>
    public int? WindowTokens { get; set; }

    /// <summary>Tokens kept free for the reply when a request sets no max_tokens (capped at half the context).</summary>
    public int ReplyReserveTokens { get; set; } = 256;

    /// <summary>Recorded as the provider of stored messages.</summary>
    public string Provider { get; set; } = "hearth";
}
