using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Hearth.Engine.Gguf;
using Hearth.Engine.Models;
using Hearth.Engine.Tokenization;

namespace Hearth.Bench;

/// <summary>
/// <c>fuzz [--iterations 100000] [--seed 1] [--models DIR] [--findings DIR]</c>: a mutation fuzzer over the GGUF fixture
/// files. Each input is one fixture with its header (metadata and tensor infos, plus a little of the data) mutated:
/// bit flips, random and extreme bytes, extreme u32/u64 values, copied and shifted spans, truncation. Every input goes
/// through everything that reads a file before inference: <see cref="GgufFile.Parse"/>, metadata and tensor access,
/// <see cref="Tokenizer.FromGguf"/> with an encode/decode round, <see cref="ModelConfig.FromGguf"/>,
/// <see cref="TransformerModel.Load"/> and, when that succeeds, one token of evaluation. The documented failures are
/// <see cref="GgufFormatException"/>, <see cref="InvalidModelException"/>, <see cref="UnsupportedModelException"/>,
/// <see cref="InvalidTokenizerException"/> and <see cref="UnsupportedTokenizerException"/>; anything else is a finding,
/// and so is an input taking 20 times the CPU time (at least 2 s) of its unmutated fixture or allocating more than twice
/// as much (+64 MB) and more than 4 bytes per input byte. Findings are written to --findings DIR for
/// reproduction. Prints one JSON line per 10,000 inputs and a summary line.
/// </summary>
internal static unsafe class FuzzBench
{
    // An input is a finding when it takes far longer or allocates far more than its unmutated fixture does.
    // Time is this thread's CPU time (the machine may be shared); allocation may grow with the input (decoded
    // strings take up to 4 bytes per input byte), but not beyond that.
    static double SlowLimitMs(Seed s) => Math.Max(2000, 20 * s.BaselineMs);
    static long AllocationLimit(Seed s, long length) => Math.Max(2 * s.BaselineBytes + (64L << 20), 4 * length);

    sealed class Seed
    {
        public required string Name;
        public required byte[] Original;
        public required byte* Buffer;   // a pinned working copy, restored after every input
        public required long HeaderEnd; // bytes mutated: the header plus 256 bytes of tensor data
        public required int Weight;
        public double BaselineMs;     // the unmutated file, end to end
        public long BaselineBytes;
    }

    public static int Run(string[] args)
    {
        if (EngineBench.Option(args, "--replay") is { } replay) return Replay(replay, EngineBench.Option(args, "--against"));
        int iterations = int.Parse(EngineBench.Option(args, "--iterations") ?? "100000", CultureInfo.InvariantCulture);
        int seedValue = int.Parse(EngineBench.Option(args, "--seed") ?? "1", CultureInfo.InvariantCulture);
        string models = EngineBench.Option(args, "--models") ?? Path.Combine("..", "shared", "models");
        string findingsDir = EngineBench.Option(args, "--findings") ?? Path.Combine(Path.GetTempPath(), "hearth-fuzz-findings");

        // Small files are mutated most (cheap to load end to end); the big-vocabulary ones exercise BPE and K-quants.
        var seeds = new List<Seed>();
        void AddSeed(string file, int weight)
        {
            var path = Path.Combine(models, file);
            if (!File.Exists(path)) { Console.Error.WriteLine($"fuzz: skipping missing {path}"); return; }
            var bytes = File.ReadAllBytes(path);
            long headerEnd;
            fixed (byte* p = bytes)
            using (var f = GgufFile.Parse(p, bytes.Length))
                headerEnd = Math.Min(bytes.Length, f.DataOffset + 256);
            var buffer = (byte*)NativeMemory.AlignedAlloc((nuint)bytes.Length, 64);
            bytes.AsSpan().CopyTo(new Span<byte>(buffer, bytes.Length));
            var seed = new Seed { Name = file, Original = bytes, Buffer = buffer, HeaderEnd = headerEnd, Weight = weight, BaselineMs = double.MaxValue };
            for (int r = 0; r < 3; r++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                double start = KernelBench.ThreadCpuMs();
                Exercise(buffer, bytes.Length);
                seed.BaselineMs = Math.Min(seed.BaselineMs, KernelBench.ThreadCpuMs() - start);
                seed.BaselineBytes = Math.Max(seed.BaselineBytes, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            Console.WriteLine(JsonSerializer.Serialize(new { bench = "fuzz", fixture = file, baseline_ms = Math.Round(seed.BaselineMs, 2), baseline_mb = Math.Round(seed.BaselineBytes / 1048576.0, 1) }));
            seeds.Add(seed);
        }
        AddSeed("stories260K.gguf", 80);
        AddSeed("tiny-llama2-spm-q4_0.gguf", 6);
        AddSeed("tiny-llama2-spm-q8_0.gguf", 4);
        AddSeed("tiny-llama2-spm-f32.gguf", 3);
        AddSeed("tiny-llama3-bpe-q4_k_m.gguf", 3);
        AddSeed("tiny-qwen2-q8_0.gguf", 4);
        if (seeds.Count == 0) { Console.Error.WriteLine("fuzz: no fixtures found; pass --models DIR"); return 2; }
        int totalWeight = seeds.Sum(s => s.Weight);

        var rng = new Random(seedValue);
        var outcomes = new Dictionary<string, int>();
        var findings = new List<object>();
        var perSeed = seeds.ToDictionary(s => s.Name, _ => 0);
        double slowestMs = 0;
        long mostAllocated = 0;
        var clock = Stopwatch.StartNew();

        // A watchdog reports an input that hangs (the loop itself cannot).
        int current = -1;
        var watchdog = new Thread(() =>
        {
            int last = -2; long since = Stopwatch.GetTimestamp();
            while (true)
            {
                Thread.Sleep(1000);
                int now = Volatile.Read(ref current);
                if (now == int.MaxValue) return;
                if (now != last) { last = now; since = Stopwatch.GetTimestamp(); continue; }
                if (Stopwatch.GetElapsedTime(since).TotalSeconds > 30)
                {
                    Console.Error.WriteLine($"fuzz: input {now} has run for over 30 s (hang); its bytes are in {findingsDir}/hang-{now}.gguf");
                    since = Stopwatch.GetTimestamp();
                }
            }
        }) { IsBackground = true };
        watchdog.Start();

        for (int i = 0; i < iterations; i++)
        {
            int pick = rng.Next(totalWeight);
            var seed = seeds[0];
            foreach (var s in seeds) { if (pick < s.Weight) { seed = s; break; } pick -= s.Weight; }
            perSeed[seed.Name]++;
            long length = Mutate(seed, rng);
            Volatile.Write(ref current, i);

            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            double started = KernelBench.ThreadCpuMs();
            string outcome;
            Exception? unexpected = null;
            try
            {
                outcome = Exercise(seed.Buffer, length);
            }
            catch (Exception e) when (e is GgufFormatException or InvalidModelException or UnsupportedModelException
                or InvalidTokenizerException or UnsupportedTokenizerException)
            {
                outcome = "rejected: " + e.GetType().Name;
            }
            catch (Exception e)
            {
                outcome = "FINDING: " + e.GetType().Name;
                unexpected = e;
            }
            double ms = KernelBench.ThreadCpuMs() - started;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            slowestMs = Math.Max(slowestMs, ms);
            mostAllocated = Math.Max(mostAllocated, allocated);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;

            string? problem = unexpected != null ? $"{unexpected.GetType().FullName}: {unexpected.Message}"
                : ms > SlowLimitMs(seed) ? $"slow: {ms:F0} ms (unmutated: {seed.BaselineMs:F0} ms)"
                : allocated > AllocationLimit(seed, length) ? $"allocated {allocated >> 20} MB (unmutated: {seed.BaselineBytes >> 20} MB)"
                : null;
            if (problem != null)
            {
                Directory.CreateDirectory(findingsDir);
                var file = Path.Combine(findingsDir, $"finding-{i}-{seed.Name}");
                using (var output = File.Create(file)) output.Write(new ReadOnlySpan<byte>(seed.Buffer, (int)length));
                findings.Add(new { input = i, seed = seed.Name, problem, file, stack = unexpected?.StackTrace?.Split('\n').Take(6).Select(l => l.Trim()) });
                Console.Error.WriteLine($"fuzz: FINDING at input {i} ({seed.Name}): {problem}\n{unexpected?.StackTrace}");
            }

            // restore the working copy
            new ReadOnlySpan<byte>(seed.Original, 0, (int)seed.HeaderEnd).CopyTo(new Span<byte>(seed.Buffer, (int)seed.HeaderEnd));

            if ((i + 1) % 10000 == 0)
                Console.WriteLine(JsonSerializer.Serialize(new { bench = "fuzz", done = i + 1, findings = findings.Count, seconds = Math.Round(clock.Elapsed.TotalSeconds, 1) }));
        }
        Volatile.Write(ref current, int.MaxValue);

        Console.WriteLine(JsonSerializer.Serialize(new
        {
            bench = "fuzz",
            inputs = iterations,
            seed = seedValue,
            seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
            findings = findings.Count,
            slowest_ms = Math.Round(slowestMs, 1),
            most_allocated_mb = Math.Round(mostAllocated / 1048576.0, 1),
            per_fixture = perSeed,
            outcomes = outcomes.OrderByDescending(o => o.Value).ToDictionary(o => o.Key, o => o.Value),
            finding_list = findings,
        }));
        foreach (var s in seeds) NativeMemory.AlignedFree(s.Buffer);
        return findings.Count == 0 ? 0 : 1;
    }

    /// <summary><c>fuzz --replay FILE [--against ORIGINAL]</c>: runs one saved input and shows what it changed.</summary>
    static int Replay(string path, string? original)
    {
        var bytes = File.ReadAllBytes(path);
        if (original != null)
        {
            var o = File.ReadAllBytes(original);
            fixed (byte* p = o)
            using (var f = GgufFile.Parse(p, o.Length))
            {
                try
                {
                    fixed (byte* q = bytes)
                    using (var g = GgufFile.Parse(q, bytes.Length))
                    {
                        foreach (var (k, v) in g.Metadata)
                            if (!f.Metadata.TryGetValue(k, out var ov)) Console.WriteLine($"new key {k} = {Show(v.Value)}");
                            else if (Show(ov.Value) != Show(v.Value)) Console.WriteLine($"changed {k}: {Show(ov.Value)} -> {Show(v.Value)}");
                        foreach (var t in g.Tensors)
                            if (!f.TryGetTensor(t.Name, out var ot)) Console.WriteLine($"new tensor {t.Name} [{string.Join(",", t.Dims)}] {t.Type}");
                            else if (ot.Type != t.Type || !ot.Dims.SequenceEqual(t.Dims) || ot.Offset != t.Offset)
                                Console.WriteLine($"changed tensor {t.Name}: [{string.Join(",", ot.Dims)}] {ot.Type} @{ot.Offset} -> [{string.Join(",", t.Dims)}] {t.Type} @{t.Offset}");
                    }
                }
                catch (Exception e) { Console.WriteLine($"parse: {e.GetType().Name}: {e.Message}"); }
            }
        }
        long before = GC.GetAllocatedBytesForCurrentThread(), start = Stopwatch.GetTimestamp();
        try
        {
            fixed (byte* q = bytes) Console.WriteLine(Exercise(q, bytes.Length));
        }
        catch (Exception e) { Console.WriteLine(e); }
        Console.WriteLine($"{Stopwatch.GetElapsedTime(start).TotalMilliseconds:F1} ms, {(GC.GetAllocatedBytesForCurrentThread() - before) / 1048576.0:F1} MB allocated");
        return 0;
    }

    static string Show(object? v) => v switch
    {
        Array a => $"array[{a.Length}] {string.Join(",", a.Cast<object>().Take(3))}",
        _ => v?.ToString() ?? "null",
    };

    /// <summary>Everything a load does with a file, in the order the product does it. Returns how far it got.</summary>
    static string Exercise(byte* data, long length)
    {
        using var file = GgufFile.Parse(data, length);
        // metadata and tensors, as the registry and loaders read them
        foreach (var (key, value) in file.Metadata) _ = value.Value;
        _ = file.GetString("general.architecture");
        _ = file.GetString("tokenizer.chat_template");
        long bytes = 0;
        foreach (var t in file.Tensors)
        {
            var span = file.GetTensorData(t);
            if (!span.IsEmpty) bytes += span[0] + span[^1];
        }

        var tokenizer = Tokenizer.FromGguf(file);
        var ids = tokenizer.Encode("Hello world! <|im_start|>user\n Once upon a time, 123 ✓ ", addSpecial: true, parseSpecial: true);
        _ = tokenizer.Decode(ids);

        var config = ModelConfig.FromGguf(file);
        using var model = TransformerModel.Load(file, threads: 1);
        // One token through the model: the weights are read where the header says they are.
        using var state = model.CreateState(Math.Min(4, config.ContextLength));
        var logits = state.Evaluate([Math.Min(ids.Length > 0 ? ids[0] : 0, config.VocabSize - 1)]);
        return float.IsNaN(logits[0]) ? "evaluated (NaN logits)" : "evaluated";
    }

    /// <summary>Mutates the seed's working copy in its header region; returns the input length (shorter when truncated).</summary>
    static long Mutate(Seed seed, Random rng)
    {
        byte* b = seed.Buffer;
        long length = seed.Original.Length;
        int header = (int)seed.HeaderEnd;
        int edits = 1 + rng.Next(rng.Next(2) == 0 ? 2 : 8);
        for (int e = 0; e < edits; e++)
        {
            int at = rng.Next(header);
            switch (rng.Next(9))
            {
                case 0: b[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: b[at] = (byte)rng.Next(256); break;
                case 2: b[at] = rng.Next(2) == 0 ? (byte)0xFF : (byte)0; break;
                case 3:
                    if (at + 8 <= header)
                        *(ulong*)(b + at) = rng.Next(5) switch
                        {
                            0 => ulong.MaxValue, 1 => 1UL << rng.Next(64), 2 => (ulong)rng.Next(1 << 20),
                            3 => (ulong)long.MaxValue, _ => (ulong)rng.NextInt64(),
                        };
                    break;
                case 4:
                    if (at + 4 <= header)
                        *(uint*)(b + at) = rng.Next(4) switch { 0 => (uint)rng.Next(40), 1 => uint.MaxValue, 2 => 0x80000000u, _ => (uint)rng.Next(1 << 16) };
                    break;
                case 5: // copy a span elsewhere in the header (duplicated keys, swapped lengths)
                {
                    int from = rng.Next(header), len = Math.Min(1 + rng.Next(64), Math.Min(header - from, header - at));
                    Buffer.MemoryCopy(b + from, b + at, len, len);
                    break;
                }
                case 6: // shift the rest of the header by a few bytes (misaligned fields)
                {
                    int shift = 1 + rng.Next(8), len = header - at - shift;
                    if (len > 0)
                    {
                        if (rng.Next(2) == 0) Buffer.MemoryCopy(b + at + shift, b + at, len, len);
                        else Buffer.MemoryCopy(b + at, b + at + shift, len, len);
                    }
                    break;
                }
                case 7: // truncate, mostly inside the header
                    length = rng.Next(3) == 0 ? rng.NextInt64(length) : rng.Next(header);
                    break;
                case 8: // a small signed value at a u64 (negative or tiny counts, dims, offsets)
                    if (at + 8 <= header) *(long*)(b + at) = rng.Next(-3, 4);
                    break;
            }
        }
        return length;
    }
}
