using System.Text.Json;
using Hearth.Tests;

namespace Hearth.Engine.Tests.Models;

/// <summary>One prompt of reference/MODEL.jsonl: llama.cpp's tokens, top-20 logits per position and greedy continuation.</summary>
internal sealed record ReferencePrompt(string Prompt, int[] Tokens, (int Id, float Logit)[][] TopLogits, int[] Greedy)
{
    public override string ToString() => Prompt.Length > 24 ? Prompt[..24] + "..." : Prompt;
}

internal static class ReferenceData
{
    static readonly Dictionary<string, ReferencePrompt[]> Cache = [];

    public static ReferencePrompt[] For(string model)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(model, out var cached)) return cached;
            var prompts = File.ReadLines(TestModels.Path($"reference/{model}.jsonl"))
                .Where(line => line.Length > 0)
                .Select(Parse)
                .ToArray();
            return Cache[model] = prompts;
        }
    }

    static ReferencePrompt Parse(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var top = root.GetProperty("top_logits").EnumerateArray()
            .Select(position => position.EnumerateArray()
                .Select(pair => (pair[0].GetInt32(), pair[1].GetSingle()))
                .ToArray())
            .ToArray();
        return new ReferencePrompt(
            root.GetProperty("prompt").GetString()!,
            root.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray(),
            top,
            root.GetProperty("greedy").EnumerateArray().Select(t => t.GetInt32()).ToArray());
    }

    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best]) best = i;
        return best;
    }
}
