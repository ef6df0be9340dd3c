using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Hearth.Engine.Generation;
using Hearth.Engine.Gguf;
using Hearth.Engine.Grammar;
using Hearth.Engine.Models;
using Hearth.Engine.Sampling;
using Hearth.Engine.Tokenization;

namespace Hearth.Bench;

/// <summary>
/// <c>grammar --model FILE [--threads N] [--gen 64] [--repeat 3] [--schema FILE]</c>: what grammar-constrained decoding
/// costs per token. Decodes --gen tokens after a short prompt, sampled (temperature 1, seeded), three ways: unconstrained;
/// constrained by a fresh grammar (cold: every automaton state's token mask is computed on first sight); and
/// constrained again by the same grammar (warm: masks come from the cache, as for a schema used before). The
/// constraint is timed from inside (its Mask and Accept calls), so "mask" is exactly the per-token overhead;
/// overhead % = mask time / decode time without it. Prints one JSON line per run and a summary line.
/// </summary>
internal static class GrammarBench
{
    const string DefaultSchema = """
        {"type":"object","properties":{
          "name":{"type":"string"},"age":{"type":"integer","minimum":0},"email":{"type":"string","format":"email"},
          "role":{"enum":["admin","user","guest"]},"tags":{"type":"array","items":{"type":"string"},"maxItems":8},
          "address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string","pattern":"^[0-9]{5}$"}},"required":["city","zip"]},
          "notes":{"type":"string"}},
         "required":["name","age","email","role","tags","address","notes"]}
        """;

    public static async Task RunAsync(string[] args)
    {
        var modelPath = EngineBench.Option(args, "--model") ?? throw new ArgumentException("grammar: --model FILE is required");
        var threads = int.Parse(EngineBench.Option(args, "--threads") ?? "0", CultureInfo.InvariantCulture);
        var gen = int.Parse(EngineBench.Option(args, "--gen") ?? "64", CultureInfo.InvariantCulture);
        var repeat = int.Parse(EngineBench.Option(args, "--repeat") ?? "3", CultureInfo.InvariantCulture);
        var schema = EngineBench.Option(args, "--schema") is { } file ? File.ReadAllText(file) : DefaultSchema;

        using var gguf = GgufFile.Open(modelPath);
        var tokenizer = Tokenizer.FromGguf(gguf);
        using var model = TransformerModel.Load(gguf, threads);
        using var state = model.CreateState(gen + 64);
        var generator = new Generator(tokenizer);
        var prompt = tokenizer.Encode("Describe a user as JSON:", addSpecial: true);

        var trieClock = Stopwatch.StartNew();
        var trie = TokenTrie.For(tokenizer);
        var trieMs = trieClock.Elapsed.TotalMilliseconds;
        var grammar = JsonSchemaGrammar.Compile(schema);

        // warm-up: JIT (of the masking code too, with another grammar, so "cold" below means cache-cold), weights paged in
        await Decode(generator, state, prompt, gen, null, seed: 0);
        await Decode(generator, state, prompt, Math.Min(gen, 16), new GrammarConstraintFactory(JsonSchemaGrammar.AnyValue(), trie), seed: 0);
        var name = Path.GetFileName(modelPath);
        var free = new List<double>();
        var coldMask = new List<double>();
        var warmMask = new List<double>();
        var coldTotal = new List<double>();
        var warmTotal = new List<double>();
        for (var r = 0; r < repeat; r++)
        {
            var baseline = await Decode(generator, state, prompt, gen, null, seed: (ulong)r + 1);
            free.Add(baseline.MsPerToken);
            Report(name, "free", baseline);

            var factory = new GrammarConstraintFactory(grammar, trie); // fresh: no mask cached yet
            var cold = await Decode(generator, state, prompt, gen, factory, seed: (ulong)r + 1);
            coldMask.Add(cold.MaskMsPerToken);
            coldTotal.Add(cold.MsPerToken);
            Report(name, "cold", cold);

            var warm = await Decode(generator, state, prompt, gen, factory, seed: (ulong)r + 101); // same grammar, other text
            warmMask.Add(warm.MaskMsPerToken);
            warmTotal.Add(warm.MsPerToken);
            Report(name, "warm", warm);
        }

        double decodeMs = Median(free);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            model = name,
            threads = model.Threads,
            vocab = trie.TokenCount,
            trie_nodes = trie.NodeCount,
            trie_build_ms = Math.Round(trieMs, 1),
            decode_ms_per_token = Math.Round(decodeMs, 3),
            mask_ms_per_token_cold = Math.Round(Median(coldMask), 3),
            mask_ms_per_token_warm = Math.Round(Median(warmMask), 3),
            overhead_pct_cold = Math.Round(100 * Median(coldMask) / decodeMs, 2),
            overhead_pct_warm = Math.Round(100 * Median(warmMask) / decodeMs, 2),
            end_to_end_pct_cold = Math.Round(100 * (Median(coldTotal) - decodeMs) / decodeMs, 2),
            end_to_end_pct_warm = Math.Round(100 * (Median(warmTotal) - decodeMs) / decodeMs, 2),
        }));
    }

    sealed record Run(int Tokens, double MsPerToken, double MaskMsPerToken, double MaxMaskMs, string Text);

    static async Task<Run> Decode(Generator generator, InferenceState state, int[] prompt, int gen, ITokenConstraintFactory? grammar, ulong seed)
    {
        state.Truncate(0);
        var timed = grammar is null ? null : new TimedFactory(grammar);
        var options = new GenerationOptions
        {
            Sampling = new SamplingOptions { Temperature = 1, Seed = seed },
            MaxTokens = gen,
            Constraint = timed,
        };
        var text = new System.Text.StringBuilder();
        var tokens = 0;
        double generationMs = 0;
        await foreach (var step in generator.GenerateAsync(state, prompt, options))
        {
            text.Append(step.Text);
            if (step.Timings is { } t) { tokens = t.GeneratedTokens; generationMs = t.GenerationMs; }
        }
        // GenerationMs runs from the first token's pick to the end: tokens - 1 forward passes, each with one mask.
        var steps = Math.Max(1, tokens - 1);
        var maskMs = timed?.Constraint?.TotalMs ?? 0;
        return new Run(tokens, generationMs / steps, maskMs / Math.Max(1, tokens), timed?.Constraint?.MaxMs ?? 0, text.ToString());
    }

    static void Report(string model, string mode, Run run) => Console.WriteLine(JsonSerializer.Serialize(new
    {
        model,
        mode,
        tokens = run.Tokens,
        ms_per_token = Math.Round(run.MsPerToken, 3),
        mask_ms_per_token = Math.Round(run.MaskMsPerToken, 3),
        max_mask_ms = Math.Round(run.MaxMaskMs, 3),
        text = run.Text.Length > 80 ? run.Text[..80] + "..." : run.Text,
    }));

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
    }

    /// <summary>Times what the constraint does for each token: its mask and its step past the kept token.</summary>
    sealed class TimedFactory(ITokenConstraintFactory inner) : ITokenConstraintFactory
    {
        public TimedConstraint? Constraint { get; private set; }

        public ITokenConstraint Create(int maxTokens) => Constraint = new TimedConstraint(inner.Create(maxTokens));
    }

    sealed class TimedConstraint(ITokenConstraint inner) : ITokenConstraint
    {
        public double TotalMs { get; private set; }
        public double MaxMs { get; private set; }

        public bool IsComplete => inner.IsComplete;

        public void Mask(Span<float> logits)
        {
            var start = Stopwatch.GetTimestamp();
            inner.Mask(logits);
            Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        public void Accept(int token)
        {
            var start = Stopwatch.GetTimestamp();
            inner.Accept(token);
            Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        void Add(double ms)
        {
            TotalMs += ms;
            MaxMs = Math.Max(MaxMs, ms);
        }
    }
}
