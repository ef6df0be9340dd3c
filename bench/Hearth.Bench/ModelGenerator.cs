using Hearth.Engine.Gguf;
using Hearth.Engine.Kernels;

namespace Hearth.Bench;

/// <summary>
/// <c>gen-model --shape qwen2.5-0.5b|llama-3.2-1b --type q8_0|q4_k_m --out FILE</c>: a GGUF with the exact tensor
/// shapes, metadata and tokenizer of a real model but seeded random weights, quantized the way llama-quantize
/// would (no importance matrix), so benchmarks measure real-sized work without downloading weights. The tokenizer
/// metadata is copied from a shared tiny test model with the same vocabulary.
/// </summary>
internal static class ModelGenerator
{
    sealed record Shape(string Arch, int Embd, int Layers, int Heads, int KvHeads, int Ffn, int Vocab, int Context,
        float RopeBase, float Eps, bool Biases, string TokenizerFrom, string Name);

    static readonly Dictionary<string, Shape> Shapes = new()
    {
        ["qwen2.5-0.5b"] = new("qwen2", 896, 24, 14, 2, 4864, 151936, 32768, 1e6f, 1e-6f, true, "tiny-qwen2-q8_0.gguf", "Qwen2.5-0.5B-shaped (random weights)"),
        ["llama-3.2-1b"] = new("llama", 2048, 16, 32, 8, 8192, 128256, 131072, 500000f, 1e-5f, false, "tiny-llama3-bpe-q4_k_m.gguf", "Llama-3.2-1B-shaped (random weights)"),
    };

    public static void Run(string[] args)
    {
        var shapeName = EngineBench.Option(args, "--shape") ?? "qwen2.5-0.5b";
        var typeName = (EngineBench.Option(args, "--type") ?? "q8_0").ToLowerInvariant();
        var output = EngineBench.Option(args, "--out") ?? throw new ArgumentException("gen-model: --out FILE is required");
        var models = EngineBench.Option(args, "--models") ?? FindSharedModels();
        if (!Shapes.TryGetValue(shapeName, out var s)) throw new ArgumentException($"unknown shape '{shapeName}' (known: {string.Join(", ", Shapes.Keys)})");
        if (typeName is not ("q8_0" or "q4_k_m")) throw new ArgumentException($"unknown type '{typeName}' (known: q8_0, q4_k_m)");
        bool kQuant = typeName == "q4_k_m";

        var w = new GgufWriter();
        w.Add("general.architecture", s.Arch);
        w.Add("general.name", s.Name);
        w.Add($"{s.Arch}.context_length", (uint)s.Context);
        w.Add($"{s.Arch}.embedding_length", (uint)s.Embd);
        w.Add($"{s.Arch}.block_count", (uint)s.Layers);
        w.Add($"{s.Arch}.feed_forward_length", (uint)s.Ffn);
        w.Add($"{s.Arch}.attention.head_count", (uint)s.Heads);
        w.Add($"{s.Arch}.attention.head_count_kv", (uint)s.KvHeads);
        w.Add($"{s.Arch}.attention.layer_norm_rms_epsilon", s.Eps);
        w.Add($"{s.Arch}.rope.freq_base", s.RopeBase);
        w.Add($"{s.Arch}.vocab_size", (uint)s.Vocab);
        w.Add("general.file_type", kQuant ? 15u : 7u);
        w.Add("general.quantization_version", 2u);
        using (var tokenizer = GgufFile.Open(Path.Combine(models, s.TokenizerFrom)))
            foreach (var (key, value) in tokenizer.Metadata)
                if (key.StartsWith("tokenizer.", StringComparison.Ordinal)) w.AddValue(key, value);

        int headDim = s.Embd / s.Heads, kvDim = s.KvHeads * headDim;
        int seed = 1;
        // Tied embeddings: token_embd doubles as the classifier, which Q4_K_M keeps in Q6_K.
        Matrix(w, "token_embd.weight", s.Embd, s.Vocab, kQuant ? GgmlType.Q6_K : GgmlType.Q8_0, seed++);
        Vector(w, "output_norm.weight", s.Embd, 1f);
        if (s.Arch == "llama") w.AddTensor("rope_freqs.weight", GgmlType.F32, [headDim / 2], Bytes(Llama3RopeFactors(headDim, s.RopeBase)));
        for (int l = 0; l < s.Layers; l++)
        {
            // llama.cpp's Q4_K_M: attn_v and ffn_down get Q6_K in the first and last eighth of the layers and every third between.
            bool moreBits = l < s.Layers / 8 || l >= 7 * s.Layers / 8 || (l - s.Layers / 8) % 3 == 2;
            GgmlType main = kQuant ? GgmlType.Q4_K : GgmlType.Q8_0;
            GgmlType sensitive = kQuant && moreBits ? GgmlType.Q6_K : main;
            string p = $"blk.{l}.";
            Vector(w, p + "attn_norm.weight", s.Embd, 1f);
            Matrix(w, p + "attn_q.weight", s.Embd, s.Embd, main, seed++);
            Matrix(w, p + "attn_k.weight", s.Embd, kvDim, main, seed++);
            Matrix(w, p + "attn_v.weight", s.Embd, kvDim, sensitive, seed++);
            if (s.Biases)
            {
                Vector(w, p + "attn_q.bias", s.Embd, 0.1f, seed++);
                Vector(w, p + "attn_k.bias", kvDim, 0.1f, seed++);
                Vector(w, p + "attn_v.bias", kvDim, 0.1f, seed++);
            }
            Matrix(w, p + "attn_output.weight", s.Embd, s.Embd, main, seed++);
            Vector(w, p + "ffn_norm.weight", s.Embd, 1f);
            Matrix(w, p + "ffn_gate.weight", s.Embd, s.Ffn, main, seed++);
            Matrix(w, p + "ffn_up.weight", s.Embd, s.Ffn, main, seed++);
            Matrix(w, p + "ffn_down.weight", s.Ffn, s.Embd, sensitive, seed++);
        }
        w.Write(output);
        Console.WriteLine($"wrote {output} ({new FileInfo(output).Length / (1 << 20)} MiB): {s.Name}, {typeName}");
    }

    /// <summary>Seeded random rows (sum of uniforms, std ~0.02), quantized; K-quants fall back as llama.cpp does when rows are not whole 256-blocks.</summary>
    static void Matrix(GgufWriter w, string name, int cols, int rows, GgmlType type, int seed)
    {
        if (cols % 256 != 0) type = type switch { GgmlType.Q4_K => GgmlType.Q5_0, GgmlType.Q6_K => GgmlType.Q8_0, _ => type };
        long rowBytes = Quantize.RowBytes(type, cols);
        var data = new byte[rowBytes * rows];
        const int rowsPerTask = 64;
        Parallel.For(0, (rows + rowsPerTask - 1) / rowsPerTask, task =>
        {
            var rng = new Random(seed * 100003 + task);
            var row = new float[cols];
            for (int r = task * rowsPerTask; r < Math.Min(rows, (task + 1) * rowsPerTask); r++)
            {
                for (int i = 0; i < cols; i++) row[i] = (float)(rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5) * 0.035f;
                Quantize.Row(type, row, data.AsSpan((int)(r * rowBytes), (int)rowBytes));
            }
        });
        w.AddTensor(name, type, [cols, rows], data);
    }

    static void Vector(GgufWriter w, string name, int length, float scale, int seed = 0)
    {
        var rng = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = seed == 0 ? scale : (float)(rng.NextDouble() - 0.5) * scale;
        w.AddTensor(name, GgmlType.F32, [length], Bytes(values));
    }

    /// <summary>Llama 3.1/3.2 RoPE scaling (factor 32, low 1, high 4, original context 8192) as convert_hf_to_gguf writes it.</summary>
    static float[] Llama3RopeFactors(int headDim, float ropeBase)
    {
        const double factor = 32, low = 1, high = 4, original = 8192;
        var factors = new float[headDim / 2];
        for (int i = 0; i < factors.Length; i++)
        {
            double freq = 1.0 / Math.Pow(ropeBase, 2.0 * i / headDim), wavelen = 2 * Math.PI / freq;
            double lowWavelen = original / low, highWavelen = original / high;
            factors[i] = (float)(wavelen < highWavelen ? 1 : wavelen > lowWavelen ? factor
                : 1 / ((1 - (original / wavelen - low) / (high - low)) / factor + (original / wavelen - low) / (high - low)));
        }
        return factors;
    }

    static byte[] Bytes(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    static string FindSharedModels()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "models");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("shared/models not found; pass --models DIR");
    }
}
