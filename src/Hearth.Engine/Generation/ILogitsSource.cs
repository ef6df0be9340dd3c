namespace Hearth.Engine.Generation;

/// <summary>What the generation loop needs from a model's inference state (the KV cache and the forward pass).</summary>
internal interface ILogitsSource
{
    int ContextLength { get; }
    IReadOnlyList<int> Tokens { get; }
    int CommonPrefixLength(IReadOnlyList<int> tokens);
    void Truncate(int length);
    /// <summary>Appends tokens to the cache; returns the logits after the last one.</summary>
    ReadOnlySpan<float> Evaluate(ReadOnlySpan<int> tokens);

    /// <summary>
    /// Appends one generated token and picks the next from its logits. By default on a pool thread; a batched source
    /// decodes many conversations' tokens in one forward pass.
    /// </summary>
    Task<int> DecodeAsync(int token, Func<ReadOnlySpan<float>, int> pick, CancellationToken ct) =>
        Task.Run(() => pick(Evaluate([token])), ct);

    /// <summary>
    /// Appends a chunk of the prompt and, when <paramref name="pick"/> is given, picks the first generated token from
    /// the logits after it (-1 otherwise). By default on a pool thread; a batched source shares passes with other conversations.
    /// </summary>
    Task<int> EvaluateAsync(ReadOnlyMemory<int> tokens, Func<ReadOnlySpan<float>, int>? pick, CancellationToken ct) =>
        Task.Run(() =>
        {
            var logits = Evaluate(tokens.Span);
            return pick is null ? -1 : pick(logits);
        }, ct);
}

/// <summary>What the generation loop needs from a tokenizer.</summary>
internal interface IGenerationVocabulary
{
    bool IsEndOfGeneration(int id);
    byte[] TokenBytes(int id);
    /// <summary>A decoder that turns a stream of token ids into text, never splitting a UTF-8 character.</summary>
    ITextDecoder CreateDecoder();
}

internal interface ITextDecoder
{
    string Push(int id);
    string Flush();
}
