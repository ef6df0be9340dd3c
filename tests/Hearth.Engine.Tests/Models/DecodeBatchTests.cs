using Hearth.Engine.Models;

namespace Hearth.Engine.Tests.Models;

/// <summary>Batched decode across conversations gives each conversation the logits it would get alone.</summary>
public class DecodeBatchTests(ModelFixture models) : IClassFixture<ModelFixture>
{
    [Theory]
    [InlineData("stories260K")]
    [InlineData("tiny-qwen2-q8_0")]
    [InlineData("tiny-llama3-bpe-q4_k_m")]
    public void Each_row_of_a_batch_matches_decoding_that_conversation_alone(string name)
    {
        var model = models.Get(name);
        int vocab = model.Config.VocabSize;
        var rng = new Random(11);
        // Three conversations at different lengths, each continued by one more token.
        int[][] prompts = [.. new[] { 3, 9, 17 }.Select(n => Enumerable.Range(0, n).Select(_ => rng.Next(3, vocab)).ToArray())];
        int[] next = [.. prompts.Select(_ => rng.Next(3, vocab))];

        var expected = new float[prompts.Length][];
        for (int i = 0; i < prompts.Length; i++)
        {
            using var alone = model.CreateState(64);
            alone.Evaluate(prompts[i]);
            expected[i] = alone.Evaluate([next[i]]).ToArray();
        }

        var states = prompts.Select(p => { var s = model.CreateState(64); s.Evaluate(p); return s; }).ToArray();
        using var scratch = model.CreateState(4, 4);
        InferenceState.DecodeBatch(scratch, states, next, new float[prompts.Length * vocab]);
        for (int i = 0; i < prompts.Length; i++)
        {
            AssertClose(expected[i], states[i].Logits, $"conversation {i}");
            Assert.Equal([.. prompts[i], next[i]], states[i].Tokens);
            states[i].Dispose();
        }
    }

    [Fact]
    public async Task The_batcher_decodes_concurrent_conversations_together_and_each_gets_its_own_logits()
    {
        var model = models.Get("stories260K");
        int vocab = model.Config.VocabSize;
        using var batcher = new DecodeBatcher(model, 8);
        var rng = new Random(5);
        var prompts = Enumerable.Range(0, 6).Select(i => Enumerable.Range(0, 4 + i).Select(_ => rng.Next(3, vocab)).ToArray()).ToArray();

        // Each conversation decodes 20 tokens greedily through the batcher, all at once...
        async Task<int[]> Run(int[] prompt)
        {
            using var state = model.CreateState(64);
            var token = ArgMax(state.Evaluate(prompt));
            var picked = new List<int>();
            for (int step = 0; step < 20; step++)
            {
                await batcher.DecodeAsync(state, token);
                token = ArgMax(state.Logits);
                picked.Add(token);
            }
            return [.. picked];
        }
        var together = await Task.WhenAll(prompts.Select(p => Task.Run(() => Run(p))));

        // ...and the same, one conversation at a time without the batcher.
        for (int c = 0; c < prompts.Length; c++)
        {
            using var state = model.CreateState(64);
            var token = ArgMax(state.Evaluate(prompts[c]));
            var picked = new List<int>();
            for (int step = 0; step < 20; step++)
            {
                token = ArgMax(state.Evaluate([token]));
                picked.Add(token);
            }
            Assert.Equal(picked, together[c]);
        }
        Assert.Equal(6 * 20, batcher.Tokens);
        Assert.True(batcher.Batches < batcher.Tokens, $"{batcher.Tokens} tokens took {batcher.Batches} passes: nothing was batched");
    }

    [Fact]
    public async Task A_full_cache_fails_only_its_own_decode()
    {
        var model = models.Get("stories260K");
        using var batcher = new DecodeBatcher(model, 4);
        using var full = model.CreateState(2);
        full.Evaluate([5, 6]);
        using var fine = model.CreateState(16);
        fine.Evaluate([5, 6]);
        var failing = batcher.DecodeAsync(full, 7);
        var passing = batcher.DecodeAsync(fine, 7);
        await Assert.ThrowsAsync<ContextOverflowException>(() => failing);
        await passing;
        Assert.Equal([5, 6, 7], fine.Tokens);
        Assert.Equal([5, 6], full.Tokens);
    }

    [Fact]
    public async Task A_state_queued_twice_is_decoded_twice_in_order()
    {
        var model = models.Get("stories260K");
        using var batcher = new DecodeBatcher(model, 4);
        using var state = model.CreateState(16);
        state.Evaluate([5]);
        await Task.WhenAll(batcher.DecodeAsync(state, 6), batcher.DecodeAsync(state, 7));
        Assert.Equal([5, 6, 7], state.Tokens);
    }

    [Fact]
    public void A_batch_refuses_mismatched_inputs_and_a_state_twice()
    {
        var model = models.Get("stories260K");
        using var scratch = model.CreateState(2, 2);
        using var a = model.CreateState(8);
        a.Evaluate([5]);
        var logits = new float[3 * model.Config.VocabSize];
        Assert.Throws<ArgumentException>(() => InferenceState.DecodeBatch(scratch, [a, a], [1, 2], logits));
        Assert.Throws<ArgumentException>(() => InferenceState.DecodeBatch(scratch, [a], [1, 2], logits));
        Assert.Throws<ArgumentOutOfRangeException>(() => InferenceState.DecodeBatch(scratch, [a], [-1], logits));
        Assert.Equal([5], a.Tokens);
    }

    /// <summary>
    /// Continuous batching: one pass holds one conversation's next token and another's prompt chunk. With a chunk of
    /// 64+ rows the chunk takes the tiled attention and the decoded row still the F16 one, as it would alone.
    /// </summary>
    [Theory]
    [InlineData("stories260K", 12)]
    [InlineData("tiny-llama3-bpe-q4_k_m", 12)]
    [InlineData("stories260K", 100)]
    [InlineData("tiny-llama3-bpe-q4_k_m", 100)]
    public void A_pass_mixing_a_decode_and_a_prompt_chunk_matches_each_alone(string name, int promptLength)
    {
        var model = models.Get(name);
        int vocab = model.Config.VocabSize;
        var rng = new Random(3);
        int[] history = [.. Enumerable.Range(0, 7).Select(_ => rng.Next(3, vocab))];
        int[] prompt = [.. Enumerable.Range(0, promptLength).Select(_ => rng.Next(3, vocab))];
        int next = rng.Next(3, vocab);

        using var aloneA = model.CreateState(160);
        aloneA.Evaluate(history);
        var expectedA = aloneA.Evaluate([next]).ToArray();
        using var aloneB = model.CreateState(160);
        var expectedB = aloneB.Evaluate(prompt).ToArray();

        using var a = model.CreateState(160);
        a.Evaluate(history);
        using var b = model.CreateState(160);
        using var scratch = model.CreateState(160, 128);
        InferenceState.EvaluateBatch(scratch, [new BatchPart(a, new[] { next }, true), new BatchPart(b, prompt, true)], new float[2 * vocab]);
        AssertClose(expectedA, a.Logits, "decoded row");
        AssertClose(expectedB, b.Logits, "prompt's last row");
        Assert.Equal([.. history, next], a.Tokens);
        Assert.Equal(prompt, b.Tokens);
    }

    /// <summary>
    /// A prompt longer than one pass's rows goes through the batcher in several passes while other conversations keep
    /// decoding, and ends with the logits it has alone; the decoding conversations get theirs too.
    /// </summary>
    [Fact]
    public async Task A_long_prompt_shares_passes_with_running_decodes()
    {
        var model = models.Get("stories260K");
        int vocab = model.Config.VocabSize;
        using var batcher = new DecodeBatcher(model, 4);
        var rng = new Random(8);
        int[] prompt = [.. Enumerable.Range(0, InferenceState.MaxBatch + 40).Select(_ => rng.Next(3, vocab))];
        using var alone = model.CreateState(512);
        var expected = alone.Evaluate(prompt).ToArray();

        async Task<int[]> Decode(int seed)
        {
            using var state = model.CreateState(64);
            var token = ArgMax(state.Evaluate([seed, seed + 1]));
            var picked = new List<int>();
            for (int step = 0; step < 30; step++)
            {
                await batcher.DecodeAsync(state, token);
                picked.Add(token = ArgMax(state.Logits));
            }
            return [.. picked];
        }
        using var long_ = model.CreateState(512);
        var decoding = Enumerable.Range(0, 2).Select(i => Task.Run(() => Decode(10 + 7 * i))).ToArray();
        await batcher.EvaluateAsync(long_, prompt);
        var decoded = await Task.WhenAll(decoding);

        // The decodes decide where the prompt's passes are cut, and rows past a cut that leaves fewer than 64 take the
        // F16 attention rather than the tiled one: as close as chunked evaluation is (InferenceStateTests), not closer.
        AssertClose(expected, long_.Logits, "long prompt", tolerance: 2e-2);
        Assert.Equal(prompt, long_.Tokens);
        Assert.Equal(prompt.Length, batcher.PromptTokens);
        for (int i = 0; i < 2; i++)
        {
            using var state = model.CreateState(64);
            var token = ArgMax(state.Evaluate([10 + 7 * i, 11 + 7 * i]));
            for (int step = 0; step < 30; step++) Assert.Equal(token = ArgMax(state.Evaluate([token])), decoded[i][step]);
        }
    }

    [Fact]
    public async Task A_cancelled_prompt_is_dropped_and_a_bad_one_fails_alone()
    {
        var model = models.Get("stories260K");
        using var batcher = new DecodeBatcher(model, 4);
        using var state = model.CreateState(16);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => batcher.EvaluateAsync(state, new[] { 5, 6 }, new CancellationToken(canceled: true)));
        Assert.Empty(state.Tokens);

        using var small = model.CreateState(2);
        var overflow = batcher.EvaluateAsync(small, new[] { 5, 6, 7 });
        var fine = batcher.EvaluateAsync(state, new[] { 5, 6, 7 });
        await Assert.ThrowsAsync<ContextOverflowException>(() => overflow);
        await fine;
        Assert.Equal([5, 6, 7], state.Tokens);
        Assert.Empty(small.Tokens);
    }

    static int ArgMax(ReadOnlySpan<float> logits) => ReferenceData.ArgMax(logits);

    static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string where, double tolerance = 1e-3) =>
        InferenceStateTests.AssertClose(expected, actual, where, tolerance);
}
