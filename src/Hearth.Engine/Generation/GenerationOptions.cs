using Hearth.Engine.Sampling;

namespace Hearth.Engine.Generation;

/// <summary>What one generation may produce and when it ends.</summary>
public sealed record GenerationOptions
{
    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>
    /// Most tokens to generate. When set and prompt + MaxTokens exceed the context window, generation fails up front
    /// with <see cref="ContextOverflowException"/> (as OpenAI does); when null, generation runs until an
    /// end-of-generation token, a stop string, or the window's edge (finish reason Length).
    /// </summary>
    public int? MaxTokens { get; init; }

    /// <summary>Text that ends generation; never emitted itself.</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>Report each generated token's logprob.</summary>
    public bool Logprobs { get; init; }

    /// <summary>Alternatives per position when <see cref="Logprobs"/> is on (0..20).</summary>
    public int TopLogprobs { get; init; }

    /// <summary>Restricts which tokens may come next (structured output); a fresh constraint per generation.</summary>
    public ITokenConstraintFactory? Constraint { get; init; }

    /// <summary>Prompt tokens evaluated per forward call; generation can be cancelled between chunks.</summary>
    public int PromptChunkSize { get; init; } = 256;

    public const int MaxTopLogprobs = 20;

    public void Validate()
    {
        Sampling.Validate();
        if (MaxTokens is < 1) throw new ArgumentOutOfRangeException(nameof(MaxTokens), MaxTokens, "MaxTokens must be at least 1.");
        if (TopLogprobs is < 0 or > MaxTopLogprobs) throw new ArgumentOutOfRangeException(nameof(TopLogprobs), TopLogprobs, $"TopLogprobs must be in 0..{MaxTopLogprobs}.");
        if (PromptChunkSize < 1) throw new ArgumentOutOfRangeException(nameof(PromptChunkSize), PromptChunkSize, "PromptChunkSize must be at least 1.");
        if (StopSequences.Any(s => s is null)) throw new ArgumentException("StopSequences contains null.", nameof(StopSequences));
    }
}

/// <summary>Why a generation ended.</summary>
public enum GenerationFinishReason
{
    /// <summary>An end-of-generation token or a stop string.</summary>
    Stop,
    /// <summary>MaxTokens reached, or the context window is full.</summary>
    Length,
}
