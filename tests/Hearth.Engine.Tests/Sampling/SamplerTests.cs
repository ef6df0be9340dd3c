using Hearth.Engine.Sampling;

namespace Hearth.Engine.Tests.Sampling;

public class SamplerTests
{
    static float[] RandomLogits(int n, int seed)
    {
        var random = new Random(seed);
        var logits = new float[n];
        for (var i = 0; i < n; i++) logits[i] = (float)(random.NextDouble() * 20 - 10);
        return logits;
    }

    static int[] Draw(Sampler sampler, float[] logits, int count)
    {
        var picks = new int[count];
        for (var i = 0; i < count; i++) picks[i] = sampler.Sample(logits);
        return picks;
    }

    [Fact]
    public void Greedy_picks_the_largest_logit_and_the_first_on_ties()
    {
        var sampler = new Sampler(5, SamplingOptions.Greedy);
        Assert.Equal(3, sampler.Sample([0f, 1f, 2f, 5f, 4f]));
        Assert.Equal(1, sampler.Sample([0f, 5f, 2f, 5f, 4f]));
    }

    [Fact]
    public void Logit_bias_is_added_before_the_pick()
    {
        var sampler = new Sampler(3, SamplingOptions.Greedy with { LogitBias = new Dictionary<int, float> { [0] = -100, [2] = 3 } });
        Assert.Equal(2, sampler.Sample([10f, 1f, 0f]) == 0 ? -1 : sampler.Sample([10f, 1f, 8f]));
        Assert.Equal(1, sampler.Sample([10f, 1f, -5f]));
    }

    [Fact]
    public void Logit_bias_for_a_token_outside_the_vocabulary_is_rejected()
    {
        var options = SamplingOptions.Greedy with { LogitBias = new Dictionary<int, float> { [7] = 1 } };
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(5, options));
    }

    [Fact]
    public void Repeat_penalty_divides_positive_and_multiplies_negative_logits_of_recent_tokens()
    {
        var options = SamplingOptions.Greedy with { RepeatPenalty = 1.1f };
        var positive = new Sampler(2, options);
        positive.AcceptPrompt([0]);
        Assert.Equal(1, positive.Sample([2.0f, 1.9f])); // 2 / 1.1 = 1.82 < 1.9
        Assert.Equal(1.0f / 1.1f * 2.0f - 1.9f, positive.Logprob(0) - positive.Logprob(1), 4);

        var negative = new Sampler(2, options);
        negative.AcceptPrompt([0, 0, 0]); // counted once, not three times
        Assert.Equal(1, negative.Sample([-1.0f, -1.05f])); // -1 * 1.1 = -1.1 < -1.05
        Assert.Equal(-1.1f - -1.05f, negative.Logprob(0) - negative.Logprob(1), 4);
    }

    [Fact]
    public void Repeat_penalty_only_sees_the_last_n_tokens()
    {
        var sampler = new Sampler(4, SamplingOptions.Greedy with { RepeatPenalty = 2f, RepeatLastN = 2 });
        sampler.AcceptPrompt([0, 1]);
        sampler.Accept(2);                 // window is now [1, 2]: token 0 fell out
        Assert.Equal(0, sampler.Sample([3f, 3.5f, 3.5f, 0f]));
        Assert.Equal(3f, sampler.Logprob(0) - sampler.Logprob(3), 4);
        Assert.Equal(1.75f, sampler.Logprob(1) - sampler.Logprob(3), 4);
    }

    [Fact]
    public void Frequency_and_presence_penalties_follow_openai_over_generated_tokens_only()
    {
        var sampler = new Sampler(3, SamplingOptions.Greedy with { FrequencyPenalty = 0.5f, PresencePenalty = 0.25f });
        sampler.AcceptPrompt([2, 2, 2]); // prompt tokens are not counted
        sampler.Accept(0);
        sampler.Accept(0);
        sampler.Accept(1);
        sampler.Sample([1f, 1f, 1f]);
        // token 0: 1 - 2 * 0.5 - 0.25 = -0.25; token 1: 1 - 0.5 - 0.25 = 0.25; token 2: 1
        Assert.Equal(-1.25f, sampler.Logprob(0) - sampler.Logprob(2), 4);
        Assert.Equal(-0.75f, sampler.Logprob(1) - sampler.Logprob(2), 4);
    }

    [Fact]
    public void Same_seed_gives_the_same_draws_and_another_seed_different_ones()
    {
        var logits = RandomLogits(1000, 1);
        var options = new SamplingOptions { Temperature = 1.5f, TopK = 0, TopP = 1, MinP = 0, Seed = 1234 };
        var first = Draw(new Sampler(1000, options), logits, 50);
        var again = Draw(new Sampler(1000, options), logits, 50);
        var other = Draw(new Sampler(1000, options with { Seed = 99 }), logits, 50);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Seeded_random_matches_a_reference_xoshiro256_star_star_sequence()
    {
        var random = new SeededRandom(42); // values from a Python port of splitmix64 + xoshiro256**
        Assert.Equal(0x15780b2e0c2ec716UL, random.NextUInt64());
        Assert.Equal(0x6104d9866d113a7eUL, random.NextUInt64());
        Assert.Equal(0xae17533239e499a1UL, random.NextUInt64());
    }

    [Fact]
    public void Temperature_draws_follow_the_softmax()
    {
        float[] logits = [2f, 1f, 0f, -1f];
        const float temperature = 0.7f;
        var sampler = new Sampler(4, new SamplingOptions { Temperature = temperature, TopK = 0, TopP = 1, MinP = 0, Seed = 7 });
        var counts = new int[4];
        const int draws = 20000;
        foreach (var pick in Draw(sampler, logits, draws)) counts[pick]++;
        var weights = logits.Select(l => Math.Exp(l / temperature)).ToArray();
        for (var i = 0; i < 4; i++)
            Assert.InRange(counts[i] / (double)draws, weights[i] / weights.Sum() - 0.015, weights[i] / weights.Sum() + 0.015);
    }

    [Fact]
    public void Top_k_keeps_only_the_k_most_likely()
    {
        var logits = RandomLogits(500, 2);
        var allowed = logits.Select((l, i) => (l, i)).OrderByDescending(p => p.l).Take(3).Select(p => p.i).ToHashSet();
        var sampler = new Sampler(500, new SamplingOptions { Temperature = 5f, TopK = 3, TopP = 1, MinP = 0, Seed = 3 });
        var picks = Draw(sampler, logits, 300);
        Assert.All(picks, p => Assert.Contains(p, allowed));
        Assert.Equal(3, picks.Distinct().Count());
        var one = new Sampler(500, new SamplingOptions { Temperature = 5f, TopK = 1, Seed = 3 });
        Assert.All(Draw(one, logits, 20), p => Assert.Equal(Array.IndexOf(logits, logits.Max()), p));
    }

    [Theory]
    [InlineData(0)]  // every token: crop, then sort
    [InlineData(3)]  // top-k first: already sorted
    public void Top_p_keeps_the_smallest_set_reaching_p(int topK)
    {
        // probabilities 0.5, 0.3, 0.15, 0.05: p = 0.7 needs the first two
        float[] logits = [MathF.Log(0.15f), MathF.Log(0.5f), MathF.Log(0.05f), MathF.Log(0.3f)];
        var sampler = new Sampler(4, new SamplingOptions { Temperature = 1f, TopK = topK, TopP = 0.7f, MinP = 0, Seed = 5 });
        var picks = Draw(sampler, logits, 400);
        Assert.All(picks, p => Assert.True(p is 1 or 3, $"picked {p}"));
        Assert.Equal(2, picks.Distinct().Count());
    }

    [Fact]
    public void Min_p_drops_tokens_below_a_fraction_of_the_best()
    {
        float[] logits = [MathF.Log(0.4f), MathF.Log(0.3f), MathF.Log(0.19f), MathF.Log(0.11f)];
        var sampler = new Sampler(4, new SamplingOptions { Temperature = 1f, TopK = 0, TopP = 1, MinP = 0.5f, Seed = 6 });
        var picks = Draw(sampler, logits, 400);
        Assert.All(picks, p => Assert.True(p is 0 or 1, $"picked {p}"));
        Assert.Equal(2, picks.Distinct().Count());
    }

    [Fact]
    public void Logprobs_are_the_log_softmax_of_the_biased_logits_at_temperature_one()
    {
        var logits = RandomLogits(300, 4);
        var sampler = new Sampler(300, new SamplingOptions { Temperature = 0.2f, Seed = 1, LogitBias = new Dictionary<int, float> { [5] = 30 } });
        var picked = sampler.Sample(logits);
        var adjusted = logits.Select((l, i) => (double)l + (i == 5 ? 30 : 0)).ToArray();
        var max = adjusted.Max();
        var logZ = max + Math.Log(adjusted.Sum(a => Math.Exp(a - max)));
        Assert.Equal(5, picked);
        for (var i = 0; i < 300; i += 17) Assert.Equal(adjusted[i] - logZ, sampler.Logprob(i), 3);

        var ids = new int[20];
        var logprobs = new float[20];
        Assert.Equal(20, sampler.TopLogprobs(ids, logprobs));
        var expected = adjusted.Select((a, i) => (a, i)).OrderByDescending(p => p.a).Take(20).ToArray();
        Assert.Equal(expected.Select(e => e.i), ids);
        for (var i = 0; i < 20; i++) Assert.Equal(expected[i].a - logZ, logprobs[i], 3);
    }

    [Fact]
    public void Logprobs_before_any_sample_is_an_error()
    {
        Assert.Throws<InvalidOperationException>(() => new Sampler(3).Logprob(0));
    }

    [Theory]
    [InlineData(0, 1f, 0f)]   // every token, no truncation
    [InlineData(40, 0.95f, 0.05f)]
    [InlineData(0, 0.9f, 0f)] // crop and sort path
    [InlineData(0, 1f, 0.1f)]
    public void Sampling_a_large_vocabulary_allocates_nothing(int topK, float topP, float minP)
    {
        const int vocab = 151_936;
        var logits = RandomLogits(vocab, 8);
        var sampler = new Sampler(vocab, new SamplingOptions { Temperature = 0.8f, TopK = topK, TopP = topP, MinP = minP, Seed = 1,
            RepeatPenalty = 1.1f, FrequencyPenalty = 0.2f, PresencePenalty = 0.1f, LogitBias = new Dictionary<int, float> { [1] = 1 } });
        for (var i = 0; i < 3; i++) sampler.Accept(sampler.Sample(logits)); // warm up (JIT)
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 5; i++) sampler.Accept(sampler.Sample(logits));
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Wrong_logit_count_and_bad_options_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new Sampler(3).Sample([1f, 2f]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(3, new SamplingOptions { TopP = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(3, new SamplingOptions { TopK = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(3, new SamplingOptions { MinP = 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(3, new SamplingOptions { RepeatPenalty = 0 }));
    }
}
