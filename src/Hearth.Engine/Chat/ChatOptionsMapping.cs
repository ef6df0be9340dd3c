using System.Globalization;
using System.Text.Json;
using Hearth.Engine.Generation;
using Hearth.Engine.Sampling;
using Microsoft.Extensions.AI;

namespace Hearth.Engine.Chat;

/// <summary>
/// Turns Microsoft.Extensions.AI's <see cref="ChatOptions"/> into <see cref="GenerationOptions"/>. What a request leaves
/// unset keeps llama.cpp's defaults (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties).
/// Extra keys (<see cref="ChatOptionKeys"/>) may hold .NET values or JsonElements, as they arrive from the wire.
/// </summary>
internal static class ChatOptionsMapping
{
    public static GenerationOptions ToGenerationOptions(ChatOptions? options, int vocabSize)
    {
        if (options is null) return new GenerationOptions();
        var sampling = new SamplingOptions();
        if (options.Temperature is { } temperature) sampling = sampling with { Temperature = temperature };
        if (options.TopP is { } topP) sampling = sampling with { TopP = topP };
        if (options.TopK is { } topK) sampling = sampling with { TopK = topK };
        if (options.FrequencyPenalty is { } frequency) sampling = sampling with { FrequencyPenalty = frequency };
        if (options.PresencePenalty is { } presence) sampling = sampling with { PresencePenalty = presence };
        if (options.Seed is { } seed) sampling = sampling with { Seed = unchecked((ulong)seed) };

        var extra = options.AdditionalProperties;
        var logprobs = false;
        var topLogprobs = 0;
        if (extra is not null)
        {
            if (extra.TryGetValue(ChatOptionKeys.MinP, out var minP) && minP is not null) sampling = sampling with { MinP = ToFloat(minP, ChatOptionKeys.MinP) };
            if (extra.TryGetValue(ChatOptionKeys.RepeatPenalty, out var repeat) && repeat is not null) sampling = sampling with { RepeatPenalty = ToFloat(repeat, ChatOptionKeys.RepeatPenalty) };
            if (extra.TryGetValue(ChatOptionKeys.LogitBias, out var bias) && bias is not null) sampling = sampling with { LogitBias = ToLogitBias(bias, vocabSize) };
            if (extra.TryGetValue(ChatOptionKeys.Logprobs, out var lp) && lp is not null) logprobs = ToBool(lp, ChatOptionKeys.Logprobs);
            if (extra.TryGetValue(ChatOptionKeys.TopLogprobs, out var top) && top is not null) topLogprobs = (int)ToFloat(top, ChatOptionKeys.TopLogprobs);
        }
        if (topLogprobs > 0 && !logprobs) throw new ArgumentException($"{ChatOptionKeys.TopLogprobs} needs {ChatOptionKeys.Logprobs} = true.", nameof(options));

        var generation = new GenerationOptions
        {
            Sampling = sampling,
            MaxTokens = options.MaxOutputTokens,
            StopSequences = options.StopSequences?.ToArray() ?? [],
            Logprobs = logprobs,
            TopLogprobs = topLogprobs,
        };
        try { generation.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"Invalid chat options: {e.Message}", nameof(options), e); }
        return generation;
    }

    static float ToFloat(object value, string key) => value switch
    {
        float f => f,
        double d => (float)d,
        int i => i,
        long l => l,
        decimal m => (float)m,
        string s when float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetSingle(),
        _ => throw new ArgumentException($"'{key}' must be a number, not {Describe(value)}."),
    };

    static bool ToBool(object value, string key) => value switch
    {
        bool b => b,
        JsonElement { ValueKind: JsonValueKind.True } => true,
        JsonElement { ValueKind: JsonValueKind.False } => false,
        _ => throw new ArgumentException($"'{key}' must be true or false, not {Describe(value)}."),
    };

    // Accepts {int: float}, {string: number} (token ids as JSON object keys) or a JSON object.
    static IReadOnlyDictionary<int, float> ToLogitBias(object value, int vocabSize)
    {
        var bias = new Dictionary<int, float>();
        void Add(object key, object number)
        {
            var id = key switch
            {
                int i => i,
                long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
                string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
                _ => throw new ArgumentException($"'{ChatOptionKeys.LogitBias}' keys must be token ids, not {Describe(key)}."),
            };
            if ((uint)id >= (uint)vocabSize)
                throw new ArgumentException($"'{ChatOptionKeys.LogitBias}' names token {id}, but the vocabulary has {vocabSize} tokens.");
            bias[id] = ToFloat(number, ChatOptionKeys.LogitBias);
        }
        switch (value)
        {
            case IReadOnlyDictionary<int, float> typed:
                foreach (var (k, v) in typed) Add(k, v);
                break;
            case IDictionary<int, float> typed:
                foreach (var (k, v) in typed) Add(k, v);
                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                foreach (var (k, v) in pairs) Add(k, v ?? throw new ArgumentException($"'{ChatOptionKeys.LogitBias}' value for {k} is null."));
                break;
            case JsonElement { ValueKind: JsonValueKind.Object } json:
                foreach (var p in json.EnumerateObject()) Add(p.Name, p.Value);
                break;
            default:
                throw new ArgumentException($"'{ChatOptionKeys.LogitBias}' must map token ids to numbers, not {Describe(value)}.");
        }
        return bias;
    }

    static string Describe(object value) => value is JsonElement e ? $"JSON {e.ValueKind}" : value.GetType().Name;
}
