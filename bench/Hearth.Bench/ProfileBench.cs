using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Hearth.Engine.Gguf;
using Hearth.Engine.Kernels;
using Hearth.Engine.Models;

namespace Hearth.Bench;

/// <summary>
/// <c>profile --model FILE [--threads N] [--tokens 32] [--batch 1]</c>: where one decoded token's (or batch's) time goes. Times full decode
/// steps, then every weight matrix of the model multiplied alone (n = 1, the same pool and mapped weights), and prints
/// the matmul time per tensor kind and the remainder (attention, norms, RoPE, embeddings, dispatch).
/// </summary>
internal static partial class ProfileBench
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "madvise")]
    private static unsafe partial int Madvise(void* addr, nuint length, int advice);

    public static void Run(string[] args)
    {
        string model = EngineBench.Option(args, "--model") ?? throw new ArgumentException("profile: --model FILE is required");
        int threads = int.Parse(EngineBench.Option(args, "--threads") ?? "1", CultureInfo.InvariantCulture);
        int tokens = int.Parse(EngineBench.Option(args, "--tokens") ?? "32", CultureInfo.InvariantCulture);
        int batch = int.Parse(EngineBench.Option(args, "--batch") ?? "1", CultureInfo.InvariantCulture);
        using var file = GgufFile.Open(model);
        using var transformer = TransformerModel.Load(file, threads);
        using var state = transformer.CreateState(Math.Max(tokens, batch) + 8);
        var prompt = Enumerable.Range(1, batch).ToArray();
        for (int i = 0; i < 4; i++) { state.Truncate(0); state.Evaluate(prompt); }
        state.Truncate(0);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < tokens; i++) { state.Truncate(0); state.Evaluate(prompt); }
        double tokenMs = clock.Elapsed.TotalMilliseconds / tokens;

        var weights = typeof(TransformerModel).GetField("_weights", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(transformer)!;
        var pool = (ComputePool)typeof(TransformerModel).GetField("_pool", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(transformer)!;
        var w = (ModelWeights)weights;
        var kinds = new Dictionary<string, double>();
        var x = new float[Math.Max(transformer.Config.FeedForwardLength, transformer.Config.EmbeddingLength) * 2 * batch];
        var y = new float[Math.Max(transformer.Config.VocabSize, transformer.Config.FeedForwardLength) * 2 * batch];
        new Random(1).NextSingle();
        for (int i = 0; i < x.Length; i++) x[i] = (i % 7 - 3) * 0.1f;
        void Time(string kind, WeightMatrix m)
        {
            const int reps = 8;
            int nn = kind == "output" ? 1 : batch;
            MatMul.Multiply(pool, m, x, y, nn);
            var c = Stopwatch.StartNew();
            for (int r = 0; r < reps; r++) MatMul.Multiply(pool, m, x, y, nn);
            string key = $"{kind} {m.Type}";
            kinds[key] = kinds.GetValueOrDefault(key) + c.Elapsed.TotalMilliseconds / reps;
        }
        // Multiplying each matrix 9 times in a row keeps it in cache after the first; read them in model order
        // once more without repetition for the streaming figure.
        double streamMs = 0;
        for (int pass = 0; pass < 3; pass++)
        {
            var c = Stopwatch.StartNew();
            foreach (var l in w.Layers)
                foreach (var m in new[] { l.Query, l.Key, l.Value, l.Output, l.Gate, l.Up, l.Down }) MatMul.Multiply(pool, m, x, y, batch);
            MatMul.Multiply(pool, w.Output, x, y, 1);
            streamMs = pass == 0 ? double.MaxValue : Math.Min(streamMs, c.Elapsed.TotalMilliseconds);
        }
        foreach (var l in w.Layers)
        {
            Time("attn_q", l.Query); Time("attn_k", l.Key); Time("attn_v", l.Value); Time("attn_output", l.Output);
            Time("ffn_gate", l.Gate); Time("ffn_up", l.Up); Time("ffn_down", l.Down);
        }
        Time("output", w.Output);
        // The classifier again from a private anonymous copy: is streaming from the file mapping slower?
        unsafe
        {
            var o = w.Output;
            long bytes = o.RowBytes * o.Rows;
            var copy = (byte*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)bytes, 2 << 20);
            if (EngineBench.Option(args, "--hugepages") == "1") Madvise(copy, (nuint)bytes, 14); // MADV_HUGEPAGE
            Buffer.MemoryCopy(o.Data, copy, bytes, bytes);
            var m = new WeightMatrix(copy, o.Type, o.Rows, o.Cols);
            MatMul.Multiply(pool, m, x, y, 1);
            var c = Stopwatch.StartNew();
            for (int r = 0; r < 8; r++) MatMul.Multiply(pool, m, x, y, 1);
            Console.WriteLine($"classifier from an anonymous copy: {c.Elapsed.TotalMilliseconds / 8:F2} ms (mapped: {kinds[$"output {o.Type}"]:F2} ms)");
            System.Runtime.InteropServices.NativeMemory.AlignedFree(copy);
        }
        double total = kinds.Values.Sum();
        Console.WriteLine($"evaluate {batch} token(s): {tokenMs:F2} ms ({batch * 1000 / tokenMs:F1} t/s), {threads} threads");
        Console.WriteLine($"all matmuls in model order, once each: {streamMs:F2} ms; repeated (cache-warm) sum: {total:F2} ms");
        foreach (var (k, v) in kinds.OrderByDescending(k => k.Value)) Console.WriteLine($"  {k,-18} {v,8:F2} ms");
        Console.WriteLine($"non-matmul remainder: {tokenMs - streamMs:F2} ms");
    }
}
