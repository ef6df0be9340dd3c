using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Hearth.Engine.Gguf;
using Hearth.Engine.Models;

namespace Hearth.Bench;

/// <summary>
/// <c>engine --model FILE [--threads N] [--prompt 128,512] [--gen 64,128] [--depth 4096] [--repeat 3] [--parallel 4,8]</c>: llama-bench's pp and tg
/// tests for our engine. ppN evaluates N seeded random tokens in one call on an empty cache; tgN decodes N tokens one
/// at a time from an empty cache (as llama-bench does, no prompt before them). After one warm-up (which also pages the
/// weights in), each test runs --repeat times and reports the median. Prints one JSON line per test, then one summary
/// line (test "summary") with what a comparison needs: pp and tg tokens/s of the first prompt and generation lengths,
/// time to first token (the median time of the first prompt's forward pass, which yields the first token's logits),
/// peak RSS, load time, file and KV cache size, and the GC bytes allocated per decoded token.
/// <c>--parallel P</c> adds tgN xP: P conversations decoded together, one forward pass per step
/// (<see cref="InferenceState.DecodeBatch"/>, what the service's decode batcher runs), reported as aggregate tokens/s:
/// the engine's ceiling for P concurrent streams, without HTTP, prompts or sampling.
/// <c>--depth D</c> (llama-bench's -d) runs ppN and tgN after D tokens already in the cache (evaluated once, untimed;
/// each run truncates back to them), reported as "ppN@dD" and "tgN@dD": attention over a long cache.
/// </summary>
internal static class EngineBench
{
    public static void Run(string[] args)
    {
        string model = Option(args, "--model") ?? throw new ArgumentException("engine: --model FILE is required");
        int threads = int.Parse(Option(args, "--threads") ?? "0", CultureInfo.InvariantCulture);
        int[] prompts = Ints(Option(args, "--prompt") ?? "128");
        int[] gens = Ints(Option(args, "--gen") ?? "64");
        int repeat = int.Parse(Option(args, "--repeat") ?? "3", CultureInfo.InvariantCulture);
        int[] parallel = Ints(Option(args, "--parallel") ?? "");
        int depth = int.Parse(Option(args, "--depth") ?? "0", CultureInfo.InvariantCulture);

        var load = Stopwatch.StartNew();
        using var file = GgufFile.Open(model);
        using var transformer = TransformerModel.Load(file, threads);
        load.Stop();
        var c = transformer.Config;
        var rng = new Random(42);
        int context = depth + Math.Max(prompts.DefaultIfEmpty(0).Max(), gens.DefaultIfEmpty(0).Max());
        var tokens = Enumerable.Range(0, context).Select(_ => rng.Next(c.VocabSize)).ToArray();
        using var state = transformer.CreateState(context);

        // warm-up, as llama-bench does one run first: JIT, page faults of the mapped weights, pool threads
        state.Evaluate(tokens.AsSpan(0, Math.Max(1, prompts.DefaultIfEmpty(16).First())));
        state.Truncate(0);
        for (int i = 0; i < Math.Min(8, context); i++) state.Evaluate(tokens.AsSpan(i, 1));
        state.Truncate(0);

        // the cached tokens every test starts from (--depth)
        if (depth > 0) state.Evaluate(tokens.AsSpan(0, depth));
        string at = depth > 0 ? $"@d{depth}" : "";

        string name = Path.GetFileName(model);
        double ttftMs = 0, ppRate = 0, tgRate = 0;
        foreach (int n in prompts)
        {
            var seconds = new double[repeat];
            for (int r = 0; r < repeat; r++)
            {
                state.Truncate(depth);
                var clock = Stopwatch.StartNew();
                state.Evaluate(tokens.AsSpan(depth, n));
                seconds[r] = clock.Elapsed.TotalSeconds;
            }
            double median = Median(seconds);
            // Time to first token: the prompt's forward pass gives the first token's logits.
            if (ttftMs == 0) ttftMs = median * 1000;
            double rate = Report(name, transformer.Threads, $"pp{n}{at}", n, seconds, null);
            if (ppRate == 0) ppRate = rate;
        }

        long allocatedPerToken = 0;
        foreach (int n in gens)
        {
            var seconds = new double[repeat];
            long allocated = 0;
            for (int r = 0; r < repeat; r++)
            {
                state.Truncate(depth);
                int next = tokens[depth];
                long before = GC.GetTotalAllocatedBytes(precise: true);
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < n; i++) next = ArgMax(state.Evaluate([next]));
                seconds[r] = clock.Elapsed.TotalSeconds;
                allocated += GC.GetTotalAllocatedBytes(precise: true) - before;
            }
            allocatedPerToken = Math.Max(allocatedPerToken, allocated / (repeat * (long)n));
            double rate = Report(name, transformer.Threads, $"tg{n}{at}", n, seconds, allocated / (repeat * (long)n));
            if (tgRate == 0) tgRate = rate;
        }

        foreach (int p in parallel.Where(p => p > 1))
        {
            int n = gens.DefaultIfEmpty(64).First();
            var states = Enumerable.Range(0, p).Select(_ => transformer.CreateState(n + 1)).ToArray();
            using var scratch = transformer.CreateState(p, p);
            var logits = new float[p * c.VocabSize];
            var next = new int[p];
            var seconds = new double[repeat];
            for (int r = -1; r < repeat; r++) // r = -1: warm-up
            {
                for (int i = 0; i < p; i++) { states[i].Truncate(0); next[i] = tokens[i]; }
                var clock = Stopwatch.StartNew();
                for (int step = 0; step < n; step++)
                {
                    InferenceState.DecodeBatch(scratch, states, next, logits);
                    for (int i = 0; i < p; i++) next[i] = ArgMax(logits.AsSpan(i * c.VocabSize, c.VocabSize));
                }
                if (r >= 0) seconds[r] = clock.Elapsed.TotalSeconds;
            }
            Report(name, transformer.Threads, $"tg{n}x{p}", n * p, seconds, null);
            foreach (var s in states) s.Dispose();
        }

        long kvBytes = 2L * c.BlockCount * context * c.KvDim * sizeof(ushort); // F16 K and V
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            bench = "engine",
            test = "summary",
            model = name,
            arch = c.Architecture,
            threads = transformer.Threads,
            n_prompt = prompts.FirstOrDefault(),
            n_gen = gens.FirstOrDefault(),
            pp_tokens_per_s = ppRate,
            tg_tokens_per_s = tgRate,
            load_ms = Math.Round(load.Elapsed.TotalMilliseconds, 1),
            time_to_first_token_ms = Math.Round(ttftMs, 1),
            peak_rss_mb = PeakRssMb(),
            file_mb = Math.Round(new FileInfo(model).Length / 1048576.0, 1),
            kv_cache_mb = Math.Round(kvBytes / 1048576.0, 1),
            gc_bytes_per_token = allocatedPerToken,
        }));
    }

    static double Report(string model, int threads, string test, int tokens, double[] seconds, long? gcBytesPerToken)
    {
        var rates = seconds.Select(s => tokens / s).ToArray();
        double median = Math.Round(Median(rates), 2);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            bench = "engine",
            model,
            threads,
            test,
            tokens_per_s = median,
            min = Math.Round(rates.Min(), 2),
            max = Math.Round(rates.Max(), 2),
            runs = seconds.Length,
            gc_bytes_per_token = gcBytesPerToken,
        }));
        return median;
    }

    static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best]) best = i;
        return best;
    }

    /// <summary>VmHWM from /proc/self/status (Linux); -1 elsewhere.</summary>
    static double PeakRssMb()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return -1;
        foreach (var line in File.ReadLines(path))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return Math.Round(long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0, 1);
        return -1;
    }

    static int[] Ints(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).Where(n => n > 0).ToArray();

    internal static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
