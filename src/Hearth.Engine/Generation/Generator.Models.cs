using Hearth.Engine.Models;
using Hearth.Engine.Tokenization;

namespace Hearth.Engine.Generation;

public sealed partial class Generator
{
    /// <summary>A generator that decodes and recognizes end-of-generation tokens with <paramref name="tokenizer"/>.</summary>
    public Generator(Tokenizer tokenizer) : this(new TokenizerVocabulary(tokenizer, null)) { }

    /// <summary>As <see cref="Generator(Tokenizer)"/>, with control tokens whose text the output shows (a tool-call format's tags, which its parser must see).</summary>
    public Generator(Tokenizer tokenizer, IReadOnlySet<int> renderedControlTokens) : this(new TokenizerVocabulary(tokenizer, renderedControlTokens)) { }

    /// <summary>
    /// Generates after <paramref name="prompt"/> on <paramref name="state"/>: the cached common prefix is kept, the rest
    /// of the prompt evaluated, then one step per token and a final step with the finish reason and timings.
    /// The cache keeps the prompt and the generated tokens (all but the last) for the next call.
    /// </summary>
    /// <exception cref="ContextOverflowException">Thrown before any evaluation: the prompt fills the window, or prompt + MaxTokens exceed it.</exception>
    public IAsyncEnumerable<GenerationStep> GenerateAsync(InferenceState state, IReadOnlyList<int> prompt, GenerationOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        return GenerateAsync(new StateLogitsSource(state), prompt, options, ct);
    }

    /// <summary>
    /// Like <see cref="GenerateAsync(InferenceState, IReadOnlyList{int}, GenerationOptions, CancellationToken)"/>, with
    /// each generated token decoded through <paramref name="batcher"/> together with other conversations' tokens.
    /// </summary>
    public IAsyncEnumerable<GenerationStep> GenerateAsync(InferenceState state, DecodeBatcher batcher, IReadOnlyList<int> prompt, GenerationOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(batcher);
        return GenerateAsync(new StateLogitsSource(state, batcher), prompt, options, ct);
    }

    /// <summary>A state as the loop's logits source; with a batcher, the prompt and generated tokens are evaluated in shared passes.</summary>
    sealed class StateLogitsSource(InferenceState state, DecodeBatcher? batcher = null) : ILogitsSource
    {
        public int ContextLength => state.ContextLength;
        public IReadOnlyList<int> Tokens => state.Tokens;
        public int CommonPrefixLength(IReadOnlyList<int> tokens) => state.CommonPrefixLength(tokens);
        public void Truncate(int length) => state.Truncate(length);
        public ReadOnlySpan<float> Evaluate(ReadOnlySpan<int> tokens) => state.Evaluate(tokens);

        public async Task<int> DecodeAsync(int token, Func<ReadOnlySpan<float>, int> pick, CancellationToken ct)
        {
            if (batcher is null) return await Task.Run(() => pick(state.Evaluate([token])), ct).ConfigureAwait(false);
            await batcher.DecodeAsync(state, token).ConfigureAwait(false);
            return pick(state.Logits);
        }

        public async Task<int> EvaluateAsync(ReadOnlyMemory<int> tokens, Func<ReadOnlySpan<float>, int>? pick, CancellationToken ct)
        {
            if (batcher is null)
                return await Task.Run(() => { var logits = state.Evaluate(tokens.Span); return pick is null ? -1 : pick(logits); }, ct).ConfigureAwait(false);
            await batcher.EvaluateAsync(state, tokens, ct).ConfigureAwait(false);
            return pick is null ? -1 : pick(state.Logits);
        }
    }

    sealed class TokenizerVocabulary(Tokenizer tokenizer, IReadOnlySet<int>? rendered) : IGenerationVocabulary
    {
        public bool IsEndOfGeneration(int id) => tokenizer.IsEndOfGeneration(id);
        public byte[] TokenBytes(int id) => tokenizer.TokenBytes(id, rendered?.Contains(id) ?? false);
        public ITextDecoder CreateDecoder() => new Decoder(new StreamingDecoder(tokenizer, rendered: rendered));

        sealed class Decoder(StreamingDecoder inner) : ITextDecoder
        {
            public string Push(int id) => inner.Push(id);
            public string Flush() => inner.Flush();
        }
    }
}
