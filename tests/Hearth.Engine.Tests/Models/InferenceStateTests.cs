using Hearth.Engine.Models;

namespace Hearth.Engine.Tests.Models;

/// <summary>The KV cache bookkeeping: batching, chunking, prefix reuse, truncation and overflow.</summary>
public class InferenceStateTests(ModelFixture models) : IClassFixture<ModelFixture>
{
    // stories260K is small enough to run hundreds of single-token steps in milliseconds; qwen2 adds biases and NeoX RoPE.
    static int[] Prompt(string name) => ReferenceData.For(name).MaxBy(p => p.Tokens.Length)!.Tokens;

    [Theory]
    [InlineData("stories260K")]
    [InlineData("tiny-qwen2-q8_0")]
    public void BatchedEvaluationEqualsTokenByToken(string name)
    {
        var model = models.Get(name);
        var prompt = Prompt(name);
        int vocab = model.Config.VocabSize;
        using var batched = model.CreateState(prompt.Length);
        var all = new float[prompt.Length * vocab];
        batched.Evaluate(prompt, all);

        using var single = model.CreateState(prompt.Length);
        for (int i = 0; i < prompt.Length; i++)
        {
            var logits = single.Evaluate(prompt.AsSpan(i, 1));
            AssertClose(all.AsSpan(i * vocab, vocab), logits, $"position {i}");
        }
        Assert.Equal(prompt, single.Tokens);
        Assert.Equal(prompt, batched.Tokens);
    }

    /// <remarks>
    /// Chunks of 64 rows or more take the same (tiled) attention as the whole prompt; chunks of 16 take the F16 form,
    /// which differs by F16 rounding, as llama.cpp's results differ with its batch size.
    /// </remarks>
    [Theory]
    [InlineData(64, 1e-3)]
    [InlineData(16, 2e-2)]
    public void LongPromptsRunInChunksWithTheSameResult(int chunk, double tolerance)
    {
        var model = models.Get("stories260K");
        var rng = new Random(7);
        var prompt = Enumerable.Range(0, 128).Select(_ => rng.Next(3, model.Config.VocabSize)).ToArray();
        using var whole = model.CreateState(160);
        var expected = whole.Evaluate(prompt).ToArray();
        using var chunked = model.CreateState(160, maxBatch: chunk);
        var actual = chunked.Evaluate(prompt);
        AssertClose(expected, actual, "last token", tolerance);
        Assert.Equal(128, chunked.Tokens.Count);
    }

    [Theory]
    [InlineData("stories260K")]
    [InlineData("tiny-qwen2-q8_0")]
    public void PrefixReuseGivesTheLogitsOfAFreshEvaluation(string name)
    {
        var model = models.Get(name);
        var prompt = Prompt(name);
        using var fresh = model.CreateState(64);
        var expected = fresh.Evaluate(prompt).ToArray();

        // A previous turn shared the first half, then went elsewhere.
        using var state = model.CreateState(64);
        int half = prompt.Length / 2;
        state.Evaluate([.. prompt[..half], 5, 6, 7]);
        int common = state.CommonPrefixLength(prompt);
        Assert.Equal(half, common);
        state.Truncate(common);
        Assert.Equal(prompt[..half], state.Tokens);
        var actual = state.Evaluate(prompt.AsSpan(common));
        AssertClose(expected, actual, "after prefix reuse");
        Assert.Equal(prompt, state.Tokens);
    }

    [Fact]
    public void OverflowThrowsAndLeavesTheCacheAsItWas()
    {
        var model = models.Get("stories260K");
        using var state = model.CreateState(8);
        state.Evaluate([1, 400, 401, 402, 403]);
        var ex = Assert.Throws<ContextOverflowException>(() => state.Evaluate([10, 11, 12, 13]));
        Assert.Equal(8, ex.ContextWindow);
        Assert.Equal(9, ex.PromptTokens);
        Assert.Equal(5, state.Tokens.Count);
        state.Evaluate([10, 11, 12]);
        Assert.Equal(8, state.Tokens.Count);
        Assert.Throws<ContextOverflowException>(() => state.Evaluate([1]));
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        var model = models.Get("stories260K");
        using var state = model.CreateState(16);
        Assert.Throws<ArgumentException>(() => state.Evaluate(ReadOnlySpan<int>.Empty));
        Assert.Throws<ArgumentOutOfRangeException>(() => state.Evaluate([model.Config.VocabSize]));
        Assert.Throws<ArgumentOutOfRangeException>(() => state.Evaluate([-1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => state.Truncate(1));
        Assert.Throws<ArgumentException>(() => state.Evaluate([1, 2], new float[model.Config.VocabSize]));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateState(0));
        Assert.Empty(state.Tokens);
        state.Dispose();
        Assert.Throws<ObjectDisposedException>(() => state.Evaluate([1]));
    }

    [Fact]
    public void StatesOfOneModelAreIndependent()
    {
        var model = models.Get("stories260K");
        using var a = model.CreateState(32);
        using var b = model.CreateState(32);
        var first = a.Evaluate([1, 403, 459]).ToArray();
        b.Evaluate([1, 20, 30, 40]);
        a.Truncate(2);
        AssertClose(first, a.Evaluate([459]), "state a after state b ran");
    }

    /// <summary>
    /// Different batch shapes give different float summation orders in the matmul kernels, which can flip the F16
    /// rounding of a cached value or an 8-bit activation step; the logits still agree to well within what a bug would move.
    /// </summary>
    internal static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string where, double tolerance = 1e-3)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        Assert.True(max <= tolerance, $"{where}: logits differ by up to {max}");
        Assert.Equal(ReferenceData.ArgMax(expected), ReferenceData.ArgMax(actual));
    }
}
