using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Hearth.Engine.Chat;
using Hearth.Engine.Sampling;

namespace Hearth.Engine.Generation;

/// <summary>
/// The generation loop: evaluates the prompt (reusing the KV cache's common prefix), then samples, emits and
/// evaluates one token at a time until an end-of-generation token, a stop string, MaxTokens or the window's edge.
/// Cancellable between any two tokens (and between prompt chunks). Not thread-safe: one generation per state.
/// </summary>
public sealed partial class Generator
{
    readonly IGenerationVocabulary _vocabulary;

    internal Generator(IGenerationVocabulary vocabulary) => _vocabulary = vocabulary;

    internal async IAsyncEnumerable<GenerationStep> GenerateAsync(
        ILogitsSource state, IReadOnlyList<int> prompt, GenerationOptions options,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompt.Count == 0) throw new ArgumentException("The prompt has no tokens.", nameof(prompt));
        var window = state.ContextLength;
        // Overflow is checked before any work: a full prompt leaves no room, and an explicit MaxTokens must fit (OpenAI's rule).
        if (prompt.Count >= window) throw new ContextOverflowException(prompt.Count, options.MaxTokens ?? 0, window);
        if (options.MaxTokens is { } requested && prompt.Count + requested > window)
            throw new ContextOverflowException(prompt.Count, requested, window);
        var budget = options.MaxTokens ?? window - prompt.Count;

        var promptArray = prompt as int[] ?? prompt.ToArray();
        var sampler = new LazySampler(options.Sampling, promptArray.AsSpan(Math.Max(0, promptArray.Length - options.Sampling.RepeatLastN)).ToArray(),
            options.Constraint?.Create(budget));
        var decoder = _vocabulary.CreateDecoder();
        var stop = new StopMatcher(options.StopSequences);
        var topIds = new int[options.TopLogprobs];
        var topLogprobs = new float[options.TopLogprobs];

        // prompt: keep the cached common prefix, evaluate the rest in chunks; at least the last token, for its logits
        var clock = Stopwatch.StartNew();
        var cached = Math.Min(state.CommonPrefixLength(promptArray), promptArray.Length - 1);
        state.Truncate(cached);
        int token = -1;
        for (var start = cached; start < promptArray.Length; start += options.PromptChunkSize)
        {
            ct.ThrowIfCancellationRequested();
            var end = Math.Min(start + options.PromptChunkSize, promptArray.Length);
            var last = end == promptArray.Length;
            token = await state.EvaluateAsync(promptArray.AsMemory(start, end - start), last ? logits => sampler.Get(logits.Length).Sample(logits) : null, ct)
                .ConfigureAwait(false);
        }
        var promptMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();

        var generated = 0;
        GenerationFinishReason finish;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            sampler.Current.Accept(token);
            generated++;
            if (_vocabulary.IsEndOfGeneration(token)) { finish = GenerationFinishReason.Stop; break; }

            var text = stop.Push(decoder.Push(token));
            var logprob = options.Logprobs ? MakeLogprob(sampler.Current, token, topIds, topLogprobs) : null;
            yield return new GenerationStep { TokenId = token, Text = text, Logprob = logprob };
            if (stop.Stopped) { finish = GenerationFinishReason.Stop; break; }
            if (generated >= budget) { finish = GenerationFinishReason.Length; break; }

            ct.ThrowIfCancellationRequested();
            token = await state.DecodeAsync(token, logits => sampler.Get(logits.Length).Sample(logits), ct).ConfigureAwait(false);
        }

        // whatever the decoder and the stop matcher still hold, unless a stop string ended the text
        var rest = stop.Push(decoder.Flush());
        if (stop.Stopped) finish = GenerationFinishReason.Stop;
        rest += stop.Flush();
        var timings = new GenerationTimings(promptArray.Length, cached, promptMs, generated, clock.Elapsed.TotalMilliseconds);
        yield return new GenerationStep { Text = rest, FinishReason = finish, Timings = timings };
    }

    /// <summary>The sampler is sized by the model's logits (the vocabulary may be padded past the tokenizer's tokens), so it is made on the first pick.</summary>
    sealed class LazySampler(SamplingOptions options, int[] promptTail, ITokenConstraint? constraint)
    {
        Sampler? _sampler;

        public Sampler Get(int vocabSize)
        {
            if (_sampler is not null) return _sampler;
            _sampler = new Sampler(vocabSize, options, constraint);
            _sampler.AcceptPrompt(promptTail);
            return _sampler;
        }

        public Sampler Current => _sampler ?? throw new InvalidOperationException("No token was sampled yet.");
    }

    TokenLogprob MakeLogprob(Sampler sampler, int token, int[] topIds, float[] topLogprobs)
    {
        var n = sampler.TopLogprobs(topIds, topLogprobs);
        var top = new TopLogprob[n];
        for (var i = 0; i < n; i++)
        {
            var bytes = _vocabulary.TokenBytes(topIds[i]);
            top[i] = new TopLogprob(topIds[i], Encoding.UTF8.GetString(bytes), bytes, topLogprobs[i]);
        }
        var tokenBytes = _vocabulary.TokenBytes(token);
        return new TokenLogprob(token, Encoding.UTF8.GetString(tokenBytes), tokenBytes, sampler.Logprob(token), top);
    }
}
