namespace Hearth.Engine.Sampling;

/// <summary>
/// Repetition penalties on logits. Two kinds, as their sources define them:
/// llama.cpp's repeat_penalty looks at the last N tokens of the context (prompt included) and scales a seen
/// token's logit (divided when positive, multiplied when negative); OpenAI's frequency and presence penalties
/// look at every token generated so far and subtract count × frequency + (count &gt; 0) × presence.
/// Bookkeeping is in vocabulary-sized arrays allocated once, so applying and accepting allocate nothing.
/// </summary>
internal sealed class TokenPenalties
{
    readonly float _repeatPenalty, _frequencyPenalty, _presencePenalty;
    readonly int[] _window;          // ring of the last N tokens
    int _windowStart, _windowCount;
    readonly int[] _seenStamp;       // token id to the Apply call that last penalized it (one penalty per distinct token)
    int _stamp;
    readonly int[] _generatedCounts; // token id to times generated
    readonly int[] _generatedIds;    // distinct generated ids, in first-seen order
    int _generatedDistinct;

    public TokenPenalties(int vocabSize, SamplingOptions options)
    {
        _repeatPenalty = options.RepeatPenalty;
        _frequencyPenalty = options.FrequencyPenalty;
        _presencePenalty = options.PresencePenalty;
        var repeatOn = _repeatPenalty != 1f && options.RepeatLastN > 0;
        _window = repeatOn ? new int[options.RepeatLastN] : [];
        _seenStamp = repeatOn ? new int[vocabSize] : [];
        var countsOn = _frequencyPenalty != 0 || _presencePenalty != 0;
        _generatedCounts = countsOn ? new int[vocabSize] : [];
        _generatedIds = countsOn ? new int[vocabSize] : [];
    }

    public bool IsActive => _window.Length > 0 || _generatedCounts.Length > 0;

    /// <summary>A prompt token: only the repeat window sees it.</summary>
    public void AcceptPrompt(int token) => PushWindow(token);

    /// <summary>A generated token: the repeat window and the frequency/presence counts see it.</summary>
    public void AcceptGenerated(int token)
    {
        PushWindow(token);
        if (_generatedCounts.Length == 0) return;
        if (_generatedCounts[token]++ == 0) _generatedIds[_generatedDistinct++] = token;
    }

    public void Apply(Span<float> logits)
    {
        if (_window.Length > 0)
        {
            _stamp++;
            for (var i = 0; i < _windowCount; i++)
            {
                var token = _window[(_windowStart + i) % _window.Length];
                if (_seenStamp[token] == _stamp) continue;
                _seenStamp[token] = _stamp;
                var logit = logits[token];
                logits[token] = logit > 0 ? logit / _repeatPenalty : logit * _repeatPenalty;
            }
        }
        for (var i = 0; i < _generatedDistinct; i++)
        {
            var token = _generatedIds[i];
            logits[token] -= _generatedCounts[token] * _frequencyPenalty + _presencePenalty;
        }
    }

    void PushWindow(int token)
    {
        if (_window.Length == 0) return;
        if (_windowCount < _window.Length)
        {
            _window[(_windowStart + _windowCount++) % _window.Length] = token;
            return;
        }
        _window[_windowStart] = token; // overwrite the oldest
        _windowStart = (_windowStart + 1) % _window.Length;
    }
}
