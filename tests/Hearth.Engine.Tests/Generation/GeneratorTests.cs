using Hearth.Engine.Generation;
using Hearth.Engine.Sampling;

namespace Hearth.Engine.Tests.Generation;

/// <summary>The generation loop against a scripted model: logits favour (previous token + 1), cycling through a small vocabulary.</summary>
public class GeneratorTests
{
    // token i decodes to Pieces[i]; token 0 is the end-of-generation token
    static readonly string[] Pieces = ["</s>", "a", "b", "c", " wor", "ld", "!", "x"];

    sealed class CountingModel(int contextLength, Func<int, int> next) : ILogitsSource
    {
        readonly List<int> _tokens = [];
        readonly float[] _logits = new float[Pieces.Length];
        public int Evaluated;
        public int ContextLength { get; } = contextLength;
        public IReadOnlyList<int> Tokens => _tokens;
        public int CommonPrefixLength(IReadOnlyList<int> tokens)
        {
            var n = 0;
            while (n < tokens.Count && n < _tokens.Count && tokens[n] == _tokens[n]) n++;
            return n;
        }
        public void Truncate(int length) => _tokens.RemoveRange(length, _tokens.Count - length);
        public ReadOnlySpan<float> Evaluate(ReadOnlySpan<int> tokens)
        {
            if (_tokens.Count + tokens.Length > ContextLength) throw new ContextOverflowException(_tokens.Count + tokens.Length, 0, ContextLength);
            foreach (var t in tokens) _tokens.Add(t);
            Evaluated += tokens.Length;
            Array.Clear(_logits);
            var favourite = next(_tokens[^1]);
            for (var i = 0; i < _logits.Length; i++) _logits[i] = i == favourite ? 5f : i * 0.1f;
            return _logits;
        }
    }

    sealed class PieceVocabulary : IGenerationVocabulary
    {
        public bool IsEndOfGeneration(int id) => id == 0;
        public byte[] TokenBytes(int id) => System.Text.Encoding.UTF8.GetBytes(Pieces[id]);
        public ITextDecoder CreateDecoder() => new Decoder();
        sealed class Decoder : ITextDecoder
        {
            public string Push(int id) => Pieces[id];
            public string Flush() => "";
        }
    }

    static readonly Generator Generator = new(new PieceVocabulary());

    static CountingModel Cycle(int window = 64) => new(window, last => (last % (Pieces.Length - 1)) + 1);

    static async Task<List<GenerationStep>> Collect(ILogitsSource model, int[] prompt, GenerationOptions options, CancellationToken ct = default)
    {
        var steps = new List<GenerationStep>();
        await foreach (var step in Generator.GenerateAsync(model, prompt, options, ct)) steps.Add(step);
        return steps;
    }

    static GenerationOptions Greedy(int? max = null) => new() { Sampling = SamplingOptions.Greedy, MaxTokens = max };

    [Fact]
    public async Task Greedy_generation_stops_at_max_tokens_with_length()
    {
        var steps = await Collect(Cycle(), [1], Greedy(3));
        Assert.Equal([2, 3, 4], steps.Where(s => !s.IsFinal).Select(s => s.TokenId));
        Assert.Equal("bc wor", string.Concat(steps.Select(s => s.Text)));
        var final = steps[^1];
        Assert.Equal(GenerationFinishReason.Length, final.FinishReason);
        Assert.Equal(3, final.Timings!.GeneratedTokens);
        Assert.Equal(1, final.Timings.PromptTokens);
    }

    [Fact]
    public async Task An_end_of_generation_token_stops_with_stop_and_is_not_emitted()
    {
        var model = new CountingModel(64, last => last == 3 ? 0 : last + 1);
        var steps = await Collect(model, [1], Greedy());
        Assert.Equal("bc", string.Concat(steps.Select(s => s.Text)));
        Assert.Equal(GenerationFinishReason.Stop, steps[^1].FinishReason);
        Assert.DoesNotContain(steps, s => s.TokenId == 0);
        Assert.Equal(3, steps[^1].Timings!.GeneratedTokens); // b, c and the end token
    }

    [Fact]
    public async Task A_stop_string_across_tokens_ends_generation_and_is_never_emitted()
    {
        var steps = await Collect(Cycle(), [1], Greedy(20) with { StopSequences = ["world"] });
        Assert.Equal("bc ", string.Concat(steps.Select(s => s.Text)));
        Assert.Equal(GenerationFinishReason.Stop, steps[^1].FinishReason);
        Assert.Equal(4, steps[^1].Timings!.GeneratedTokens); // b, c, " wor", "ld": the stop completes at "ld"
    }

    [Fact]
    public async Task A_prompt_that_fills_the_window_fails_before_any_evaluation()
    {
        var model = Cycle(window: 4);
        var error = await Assert.ThrowsAsync<ContextOverflowException>(() => Collect(model, [1, 2, 3, 4], Greedy()));
        Assert.Equal(4, error.PromptTokens);
        Assert.Equal(4, error.ContextWindow);
        Assert.Equal(0, model.Evaluated);
    }

    [Fact]
    public async Task An_explicit_max_tokens_past_the_window_fails_up_front()
    {
        var model = Cycle(window: 8);
        var error = await Assert.ThrowsAsync<ContextOverflowException>(() => Collect(model, [1, 2, 3], Greedy(6)));
        Assert.Equal(6, error.RequestedTokens);
        Assert.Equal(0, model.Evaluated);
        await Collect(Cycle(window: 8), [1, 2, 3], Greedy(5)); // exactly fits
    }

    [Fact]
    public async Task Without_max_tokens_generation_stops_at_the_window_edge_with_length()
    {
        var model = Cycle(window: 8);
        var steps = await Collect(model, [1, 2, 3], Greedy());
        Assert.Equal(GenerationFinishReason.Length, steps[^1].FinishReason);
        Assert.Equal(5, steps[^1].Timings!.GeneratedTokens);
        Assert.True(model.Tokens.Count <= 8);
    }

    [Fact]
    public async Task Cancellation_between_tokens_stops_the_loop()
    {
        using var cts = new CancellationTokenSource();
        var model = Cycle();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var step in Generator.GenerateAsync(model, [1], Greedy(50), cts.Token))
                if (++seen == 3) cts.Cancel();
        });
        Assert.Equal(3, seen);
        Assert.Equal(3, model.Evaluated); // the prompt and two generated tokens, nothing after the cancel
    }

    [Fact]
    public async Task A_second_call_reuses_the_cached_prefix()
    {
        var model = Cycle();
        await Collect(model, [1, 2, 3, 4, 5], Greedy(2));
        var evaluatedBefore = model.Evaluated;
        var steps = await Collect(model, [1, 2, 3, 4, 5, 6, 7, 1], Greedy(1));
        Assert.Equal(6, steps[^1].Timings!.CachedPromptTokens); // 1..5 plus the first generated token (6) were in the cache
        Assert.Equal(2, model.Evaluated - evaluatedBefore);

        var same = await Collect(model, [1, 2, 3, 4, 5, 6, 7, 1], Greedy(1));
        Assert.Equal(7, same[^1].Timings!.CachedPromptTokens); // a fully cached prompt still evaluates its last token
    }

    [Fact]
    public async Task Logprobs_come_with_each_token_when_asked()
    {
        var steps = await Collect(Cycle(), [1], Greedy(2) with { Logprobs = true, TopLogprobs = 3 });
        var tokens = steps.Where(s => !s.IsFinal).ToList();
        Assert.All(tokens, s =>
        {
            Assert.NotNull(s.Logprob);
            Assert.Equal(s.TokenId, s.Logprob!.TokenId);
            Assert.Equal(Pieces[s.TokenId], s.Logprob.Token);
            Assert.Equal(3, s.Logprob.TopLogprobs.Count);
            Assert.Equal(s.TokenId, s.Logprob.TopLogprobs[0].TokenId);
            Assert.Equal(s.Logprob.Logprob, s.Logprob.TopLogprobs[0].Logprob);
            Assert.InRange(s.Logprob.Logprob, -1f, 0f);
        });
        Assert.Null((await Collect(Cycle(), [1], Greedy(2)))[0].Logprob);
    }

    [Fact]
    public async Task The_same_seed_generates_the_same_tokens()
    {
        var options = new GenerationOptions { MaxTokens = 30, Sampling = new SamplingOptions { Temperature = 3f, TopK = 0, TopP = 1, MinP = 0, Seed = 11 } };
        var noisy = () => new CountingModel(64, last => last);
        var first = (await Collect(noisy(), [1], options)).Select(s => s.TokenId).ToArray();
        var again = (await Collect(noisy(), [1], options)).Select(s => s.TokenId).ToArray();
        Assert.Equal(first, again);
        Assert.True(first.Distinct().Count() > 2);
    }

    [Fact]
    public async Task Bad_requests_are_rejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Collect(Cycle(), [], Greedy()));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Collect(Cycle(), [1], Greedy(0)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Collect(Cycle(), [1], Greedy(1) with { TopLogprobs = 21 }));
    }
}
