using Hearth.Engine.Sampling;

namespace Hearth.Engine.Tests.Sampling;

public class SelectionTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(10, 3)]
    [InlineData(1000, 40)]
    [InlineData(37, 37)]
    [InlineData(5, 9)]
    public void Top_selection_matches_a_full_sort(int n, int k)
    {
        var random = new Random(n * 31 + k);
        // few distinct values, so ties are common: the lower index must win
        var values = Enumerable.Range(0, n).Select(_ => (float)random.Next(0, 8)).ToArray();
        var ids = new int[k];
        var top = new float[k];
        var count = TopSelection.Select(values, k, ids, top);
        var expected = values.Select((v, i) => (v, i)).OrderByDescending(p => p.v).ThenBy(p => p.i).Take(k).ToArray();
        Assert.Equal(expected.Length, count);
        Assert.Equal(expected.Select(e => e.i), ids.Take(count));
        Assert.Equal(expected.Select(e => e.v), top.Take(count));
    }

    [Fact]
    public void Top_selection_skips_nan()
    {
        var ids = new int[2];
        var top = new float[2];
        Assert.Equal(2, TopSelection.Select([float.NaN, 1f, float.NaN, 3f], 2, ids, top));
        Assert.Equal([3, 1], ids);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(1001)]
    [InlineData(151_936)]
    public void Vectorized_max_and_argmax_match_the_scalar_reference(int n)
    {
        var random = new Random(n);
        var values = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 100 - 50)).ToArray();
        Assert.Equal(LogitMath.MaxScalar(values), LogitMath.Max(values));
        Assert.Equal(LogitMath.ArgMaxScalar(values), LogitMath.ArgMax(values));
        values[n / 2] = 1000; values[n - 1] = 1000;
        Assert.Equal(LogitMath.ArgMaxScalar(values), LogitMath.ArgMax(values));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(13)]
    [InlineData(151_936)]
    public void Vectorized_exp_sums_match_the_scalar_reference(int n)
    {
        var random = new Random(n + 1);
        var values = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 60 - 30)).ToArray();
        Assert.Equal(LogitMath.LogSumExpScalar(values), LogitMath.LogSumExp(values), 4);
        var vector = values.ToArray();
        var scalar = values.ToArray();
        var max = values.Max();
        var sum = LogitMath.ExpInPlace(vector, max, 1.3f);
        Assert.Equal(LogitMath.ExpInPlaceScalar(scalar, max, 1.3f), sum, sum * 1e-5);
        for (var i = 0; i < n; i++) Assert.Equal(scalar[i], vector[i], Math.Max(scalar[i] * 1e-5f, 1e-30f));
    }

    [Fact]
    public void Log_sum_exp_is_stable_for_large_logits()
    {
        Assert.Equal(1000f + MathF.Log(2), LogitMath.LogSumExp([1000f, 1000f]), 3);
        Assert.Equal(float.NegativeInfinity, LogitMath.LogSumExp([float.NegativeInfinity]));
    }
}
