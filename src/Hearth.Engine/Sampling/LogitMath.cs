using System.Numerics;

namespace Hearth.Engine.Sampling;

/// <summary>Whole-vocabulary reductions over logits (max, argmax, log-sum-exp), vectorized with scalar references beside them.</summary>
internal static class LogitMath
{
    public static float Max(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) throw new ArgumentException("No values.", nameof(values));
        var i = 0;
        var max = float.NegativeInfinity;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count * 2)
        {
            var best = new Vector<float>(float.NegativeInfinity);
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
                best = Vector.Max(best, new Vector<float>(values[i..]));
            for (var lane = 0; lane < Vector<float>.Count; lane++) max = MathF.Max(max, best[lane]);
        }
        for (; i < values.Length; i++) if (values[i] > max) max = values[i];
        return max;
    }

    public static float MaxScalar(ReadOnlySpan<float> values)
    {
        var max = float.NegativeInfinity;
        foreach (var v in values) if (v > max) max = v;
        return max;
    }

    /// <summary>Index of the largest value, the first one on ties.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var max = Max(values);
        var index = values.IndexOf(max);
        return index >= 0 ? index : 0; // all NaN: nothing sensible to pick
    }

    public static int ArgMaxScalar(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>log(Σ exp(v)), computed around the max so large logits don't overflow.</summary>
    public static float LogSumExp(ReadOnlySpan<float> values)
    {
        var max = Max(values);
        if (float.IsNegativeInfinity(max)) return max;
        var i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var shift = new Vector<float>(max);
            var acc = Vector<float>.Zero;
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
                acc += Vector.Exp(new Vector<float>(values[i..]) - shift);
            sum = Vector.Sum(acc);
        }
        for (; i < values.Length; i++) sum += MathF.Exp(values[i] - max);
        return max + (float)Math.Log(sum);
    }

    public static float LogSumExpScalar(ReadOnlySpan<float> values)
    {
        var max = MaxScalar(values);
        if (float.IsNegativeInfinity(max)) return max;
        double sum = 0;
        foreach (var v in values) sum += MathF.Exp(v - max);
        return max + (float)Math.Log(sum);
    }

    /// <summary>Softmax weights in place, unnormalized: v = exp((v - max) × scale); returns their sum.</summary>
    public static double ExpInPlace(Span<float> values, float max, float scale)
    {
        var i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var shift = new Vector<float>(max);
            var factor = new Vector<float>(scale);
            var acc = Vector<float>.Zero;
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var w = Vector.Exp((new Vector<float>(values[i..]) - shift) * factor);
                w.CopyTo(values[i..]);
                acc += w;
            }
            sum = Vector.Sum(acc);
        }
        for (; i < values.Length; i++) sum += values[i] = MathF.Exp((values[i] - max) * scale);
        return sum;
    }

    public static double ExpInPlaceScalar(Span<float> values, float max, float scale)
    {
        double sum = 0;
        for (var i = 0; i < values.Length; i++) sum += values[i] = MathF.Exp((values[i] - max) * scale);
        return sum;
    }
}
