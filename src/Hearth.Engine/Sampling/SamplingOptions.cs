namespace Hearth.Engine.Sampling;

/// <summary>
/// How the next token is chosen from the model's logits. Applied in this order: logit bias, penalties,
/// then greedy (Temperature &lt;= 0) or temperature, top-k, top-p, min-p and a seeded draw.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>0 (or less) picks the most likely token (greedy); otherwise logits are divided by it.</summary>
    public float Temperature { get; init; } = 0.8f;

    /// <summary>Keep only the K most likely tokens; 0 keeps all.</summary>
    public int TopK { get; init; } = 40;

    /// <summary>Keep the smallest set of most likely tokens whose probabilities add up to at least P; 1 keeps all.</summary>
    public float TopP { get; init; } = 0.95f;

    /// <summary>Drop tokens less likely than MinP times the most likely one; 0 keeps all.</summary>
    public float MinP { get; init; } = 0.05f;

    /// <summary>llama.cpp's repeat_penalty over the last <see cref="RepeatLastN"/> tokens (prompt included): positive logits are divided by it, negative ones multiplied; 1 is off.</summary>
    public float RepeatPenalty { get; init; } = 1f;

    /// <summary>How many of the latest tokens <see cref="RepeatPenalty"/> looks at.</summary>
    public int RepeatLastN { get; init; } = 64;

    /// <summary>OpenAI semantics: subtract count × penalty from the logit of each token generated so far (-2..2).</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>OpenAI semantics: subtract the penalty once from the logit of each token generated so far (-2..2).</summary>
    public float PresencePenalty { get; init; }

    /// <summary>Token id to a value added to its logit (OpenAI's logit_bias; -100 effectively bans a token).</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>Same seed and input give the same output; null draws a seed at random.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Greedy decoding: temperature 0, nothing else changes the pick but bias and penalties.</summary>
    public static SamplingOptions Greedy { get; } = new() { Temperature = 0 };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a value makes no sense.</summary>
    public void Validate()
    {
        if (float.IsNaN(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), "Temperature must be a number.");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "TopK must be 0 (off) or positive.");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "TopP must be in (0, 1].");
        if (!(MinP >= 0 && MinP <= 1)) throw new ArgumentOutOfRangeException(nameof(MinP), MinP, "MinP must be in [0, 1].");
        if (!(RepeatPenalty > 0) || float.IsInfinity(RepeatPenalty)) throw new ArgumentOutOfRangeException(nameof(RepeatPenalty), RepeatPenalty, "RepeatPenalty must be positive (1 = off).");
        if (RepeatLastN < 0) throw new ArgumentOutOfRangeException(nameof(RepeatLastN), RepeatLastN, "RepeatLastN must be 0 or positive.");
        if (!float.IsFinite(FrequencyPenalty)) throw new ArgumentOutOfRangeException(nameof(FrequencyPenalty), "FrequencyPenalty must be a finite number.");
        if (!float.IsFinite(PresencePenalty)) throw new ArgumentOutOfRangeException(nameof(PresencePenalty), "PresencePenalty must be a finite number.");
    }
}
