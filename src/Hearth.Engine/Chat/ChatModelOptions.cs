namespace Hearth.Engine.Chat;

/// <summary>How <see cref="ChatModel.Load"/> sets a model up.</summary>
public sealed record ChatModelOptions
{
    /// <summary>Context window in tokens; null takes min(trained context, 4096). Larger than trained is allowed but may degrade.</summary>
    public int? ContextLength { get; init; }

    /// <summary>Threads for the forward pass; 0 uses every core.</summary>
    public int Threads { get; init; }

    /// <summary>The id reported as ModelId; null uses the file name without extension.</summary>
    public string? ModelId { get; init; }

    /// <summary>
    /// Generations that run at once, each with its own KV cache (allocated when first needed), their tokens decoded
    /// together in one forward pass. Further requests wait their turn.
    /// </summary>
    public int Parallel { get; init; } = DefaultParallel;

    /// <summary>A Jinja chat template to use instead of the file's <c>tokenizer.chat_template</c> (as llama.cpp's --chat-template); null keeps the file's.</summary>
    public string? ChatTemplate { get; init; }

    public const int DefaultMaxContext = 4096;
    public const int DefaultParallel = 4;
}
