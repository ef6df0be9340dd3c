namespace Hearth.Engine.Chat;

/// <summary>
/// Keys in <c>ChatOptions.AdditionalProperties</c> (requests) and <c>ChatResponseUpdate.AdditionalProperties</c>
/// (responses) for what Microsoft.Extensions.AI has no property for.
/// </summary>
public static class ChatOptionKeys
{
    /// <summary>Request: <c>IReadOnlyDictionary&lt;int, float&gt;</c> token id to bias, added to the logit.</summary>
    public const string LogitBias = "logit_bias";
    /// <summary>Request: bool, return logprobs of generated tokens.</summary>
    public const string Logprobs = "logprobs";
    /// <summary>Request: int 0..20, alternatives per position.</summary>
    public const string TopLogprobs = "top_logprobs";
    /// <summary>Request: float, min-p sampling.</summary>
    public const string MinP = "min_p";
    /// <summary>Request: float, llama.cpp-style repetition penalty (1 = off).</summary>
    public const string RepeatPenalty = "repeat_penalty";
    /// <summary>Response update: <c>IReadOnlyList&lt;TokenLogprob&gt;</c> for the tokens of this update's text.</summary>
    public const string LogprobsContent = "logprobs";
    /// <summary>Response update: <c>Hearth.Engine.Chat.GenerationTimings</c> on the final update.</summary>
    public const string Timings = "timings";
}

/// <summary>How long a generation took: prompt processing (to the first token) and decoding.</summary>
public sealed record GenerationTimings(int PromptTokens, int CachedPromptTokens, double PromptMs, int GeneratedTokens, double GenerationMs)
{
    public double PromptTokensPerSecond => PromptMs > 0 ? (PromptTokens - CachedPromptTokens) * 1000.0 / PromptMs : 0;
    public double GenerationTokensPerSecond => GenerationMs > 0 ? GeneratedTokens * 1000.0 / GenerationMs : 0;
}
