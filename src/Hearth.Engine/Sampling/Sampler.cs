namespace Hearth.Engine.Sampling;

/// <summary>
/// Chooses each next token from the model's logits: logit bias, penalties, then greedy or
/// temperature → top-k → top-p → min-p → seeded draw (the order Hugging Face and OpenAI use: temperature first).
/// All buffers are allocated once per generation; <see cref="Sample"/> allocates nothing.
/// One sampler serves one generation: it remembers the tokens it saw for the penalties.
/// </summary>
public sealed class Sampler
{
    readonly SamplingOptions _options;
    readonly int _vocabSize;
    readonly SeededRandom _random;
    readonly TokenPenalties _penalties;
    readonly int[] _biasIds;
    readonly float[] _biasValues;
    readonly ITokenConstraint? _constraint;

    readonly float[] _adjusted;   // logits after bias and penalties: the distribution logprobs report
    readonly int[] _candidateIds; // tokens still in the running, and their weights
    readonly float[] _candidateWeights;
    float _logNormalizer = float.NaN; // log Σ exp(_adjusted), computed on first logprob request per step
    bool _hasDistribution;

    public Sampler(int vocabSize, SamplingOptions? options = null, ITokenConstraint? constraint = null)
    {
        _constraint = constraint;
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, 1);
        _options = options ?? new SamplingOptions();
        _options.Validate();
        _vocabSize = vocabSize;
        _random = new SeededRandom(_options.Seed ?? (ulong)Random.Shared.NextInt64());
        _penalties = new TokenPenalties(vocabSize, _options);

        var bias = _options.LogitBias ?? new Dictionary<int, float>();
        _biasIds = new int[bias.Count];
        _biasValues = new float[bias.Count];
        var b = 0;
        foreach (var (id, value) in bias)
        {
            if ((uint)id >= (uint)vocabSize)
                throw new ArgumentOutOfRangeException(nameof(options), id, $"logit_bias names token {id}, but the vocabulary has {vocabSize} tokens.");
            if (float.IsNaN(value)) throw new ArgumentOutOfRangeException(nameof(options), $"logit_bias for token {id} is not a number.");
            _biasIds[b] = id;
            _biasValues[b++] = value;
        }

        _adjusted = new float[vocabSize];
        var greedy = _options.Temperature <= 0;
        var candidates = greedy ? 0 : _options.TopK > 0 ? Math.Min(_options.TopK, vocabSize) : vocabSize;
        _candidateIds = new int[candidates];
        _candidateWeights = new float[candidates];
    }

    public SamplingOptions Options => _options;

    public int VocabSize => _vocabSize;

    /// <summary>Tells the repeat penalty about prompt tokens (llama.cpp counts them in its window).</summary>
    public void AcceptPrompt(ReadOnlySpan<int> tokens)
    {
        foreach (var t in tokens) _penalties.AcceptPrompt(t);
    }

    /// <summary>Records a generated token for the penalties and the constraint. <see cref="Sample"/> does not: call this with the token you keep.</summary>
    public void Accept(int token)
    {
        if ((uint)token >= (uint)_vocabSize) throw new ArgumentOutOfRangeException(nameof(token));
        _penalties.AcceptGenerated(token);
        _constraint?.Accept(token);
    }

    /// <summary>The constraint this sampler applies, if any.</summary>
    public ITokenConstraint? Constraint => _constraint;

    /// <summary>Picks the next token from the model's logits for the last position.</summary>
    public int Sample(ReadOnlySpan<float> logits)
    {
        if (logits.Length != _vocabSize)
            throw new ArgumentException($"Expected {_vocabSize} logits, got {logits.Length}.", nameof(logits));

        // logit bias and penalties
        var adjusted = _adjusted.AsSpan();
        logits.CopyTo(adjusted);
        for (var i = 0; i < _biasIds.Length; i++) adjusted[_biasIds[i]] += _biasValues[i];
        _penalties.Apply(adjusted);
        _constraint?.Mask(adjusted); // tokens the constraint forbids can't be picked by any of what follows
        _logNormalizer = float.NaN;
        _hasDistribution = true;

        if (_options.Temperature <= 0) return LogitMath.ArgMax(adjusted);

        // top-k (a heap selection, largest first) or every token
        var ids = _candidateIds.AsSpan();
        var weights = _candidateWeights.AsSpan();
        int count;
        bool sorted;
        if (_options.TopK > 0 && _options.TopK < _vocabSize)
        {
            count = TopSelection.Select(adjusted, _options.TopK, ids, weights);
            sorted = true;
        }
        else
        {
            for (var i = 0; i < _vocabSize; i++) ids[i] = i;
            adjusted.CopyTo(weights);
            count = _vocabSize;
            sorted = false;
        }
        if (count == 0) return LogitMath.ArgMax(adjusted);

        // temperature, then unnormalized softmax: the most likely candidate gets weight 1
        var max = sorted ? weights[0] : LogitMath.Max(weights[..count]);
        if (float.IsNegativeInfinity(max) || float.IsNaN(max)) return ids[0];
        var total = LogitMath.ExpInPlace(weights[..count], max, 1f / _options.Temperature);

        if (_options.TopP < 1)
        {
            if (!sorted)
            {
                // A token below (1 - p) / (n - 1) of the mass can't be in the nucleus (llama2.c): crop before sorting.
                var floor = (float)((1 - _options.TopP) / (count - 1) * total);
                count = Compact(ids, weights, count, floor);
                if (count == 0) return LogitMath.ArgMax(adjusted);
                SortDescending(ids[..count], weights[..count]);
                sorted = true;
            }
            var target = _options.TopP * total;
            var cumulative = 0.0;
            var keep = count;
            for (var i = 0; i < count; i++)
            {
                cumulative += weights[i];
                if (cumulative >= target) { keep = i + 1; break; }
            }
            count = keep;
        }

        if (_options.MinP > 0) count = Compact(ids, weights, count, _options.MinP); // the max weight is 1

        // the draw
        total = 0;
        for (var i = 0; i < count; i++) total += weights[i];
        var r = _random.NextSingle() * total;
        var acc = 0.0;
        for (var i = 0; i < count; i++)
        {
            acc += weights[i];
            if (r < acc) return ids[i];
        }
        for (var i = count - 1; i > 0; i--) if (weights[i] > 0) return ids[i]; // rounding left r at the very top
        return ids[0];
    }

    /// <summary>
    /// Log-probability of a token in the last step's distribution. Which distribution: the log-softmax over the
    /// whole vocabulary of the logits after logit bias and penalties, at temperature 1, before top-k/top-p/min-p
    /// truncation. So greedy decoding still reports real probabilities, and with no bias or penalties this is the
    /// model's own distribution, as OpenAI reports it.
    /// </summary>
    public float Logprob(int token)
    {
        EnsureNormalizer();
        return _adjusted[token] - _logNormalizer;
    }

    /// <summary>The most likely tokens of the last step's distribution (see <see cref="Logprob"/>), largest first; returns how many were written.</summary>
    public int TopLogprobs(Span<int> ids, Span<float> logprobs)
    {
        EnsureNormalizer();
        var n = TopSelection.Select(_adjusted, Math.Min(ids.Length, logprobs.Length), ids, logprobs);
        for (var i = 0; i < n; i++) logprobs[i] -= _logNormalizer;
        return n;
    }

    void EnsureNormalizer()
    {
        if (!_hasDistribution) throw new InvalidOperationException("Sample a token before asking for logprobs.");
        if (float.IsNaN(_logNormalizer)) _logNormalizer = LogitMath.LogSumExp(_adjusted);
    }

    // Keeps the candidates with weight >= floor, in order; returns the new count.
    static int Compact(Span<int> ids, Span<float> weights, int count, float floor)
    {
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            if (!(weights[i] >= floor)) continue;
            ids[kept] = ids[i];
            weights[kept++] = weights[i];
        }
        return kept;
    }

    static void SortDescending(Span<int> ids, Span<float> weights)
    {
        for (var i = 0; i < weights.Length; i++) weights[i] = -weights[i];
        weights.Sort(ids);
        for (var i = 0; i < weights.Length; i++) weights[i] = -weights[i];
    }
}
