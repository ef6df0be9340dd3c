using Hearth.Engine.Gguf;

namespace Hearth.Bench;

/// <summary>
/// <c>gen-arch --out DIR</c>: writes the tiny F32 models of the architecture tests (qwen3, phi3, gemma2: seeded random
/// weights, no tokenizer) to DIR. Their llama.cpp reference output comes from <c>bench/llama-reference</c>; both are
/// committed under tests/Hearth.Engine.Tests/Fixtures/architectures, so this only reruns when a fixture changes.
/// Shapes are small but keep what tells the architectures apart: GQA, head size unequal to embedding / heads
/// (qwen3, gemma2), phi3's fused qkv and gate/up tensors, gemma2's sliding window (8, shorter than the test prompt)
/// and soft-capping (caps low enough to bend random logits).
/// </summary>
internal static class ArchitectureFixtures
{
    public static void Run(string[] args)
    {
        var dir = EngineBench.Option(args, "--out") ?? throw new ArgumentException("gen-arch: --out DIR is required");
        Directory.CreateDirectory(dir);
        Write(Qwen3(), Path.Combine(dir, "tiny-qwen3-f32.gguf"));
        Write(Phi3(), Path.Combine(dir, "tiny-phi3-f32.gguf"));
        Write(Gemma2(), Path.Combine(dir, "tiny-gemma2-f32.gguf"));
    }

    static void Write(GgufWriter w, string path)
    {
        w.Write(path);
        Console.WriteLine($"wrote {path} ({new FileInfo(path).Length / 1024} KiB)");
    }

    const int Vocab = 64;

    static GgufWriter Qwen3()
    {
        const int d = 32, heads = 4, kv = 2, hd = 16, ff = 64;
        var (w, t) = Start("qwen3", d, heads, kv, hd, ff, seed: 1);
        w.Add("qwen3.rope.freq_base", 1000000f);
        w.Add("qwen3.attention.layer_norm_rms_epsilon", 1e-6f);
        t.Matrix("token_embd.weight", d, Vocab);
        t.Norm("output_norm.weight", d);
        t.Matrix("output.weight", d, Vocab);
        for (int l = 0; l < 2; l++)
        {
            string p = $"blk.{l}.";
            t.Norm(p + "attn_norm.weight", d);
            t.Qkv(p, d, heads * hd, kv * hd);
            t.Norm(p + "attn_q_norm.weight", hd);
            t.Norm(p + "attn_k_norm.weight", hd);
            t.Matrix(p + "attn_output.weight", heads * hd, d);
            t.Norm(p + "ffn_norm.weight", d);
            t.GatedFeedForward(p, d, ff);
        }
        return w;
    }

    static GgufWriter Phi3()
    {
        const int d = 64, heads = 4, kv = 2, hd = 16, ff = 64;
        var (w, t) = Start("phi3", d, heads, kv, hd, ff, seed: 2);
        w.Add("phi3.rope.freq_base", 10000f);
        w.Add("phi3.rope.dimension_count", (uint)hd);
        w.Add("phi3.attention.layer_norm_rms_epsilon", 1e-5f);
        // LongRoPE as Phi-3-128k: contexts over 256 rotate with the long factors, others with the short ones
        w.Add("phi3.context_length", 1024u);
        w.Add("phi3.rope.scaling.original_context_length", 256u);
        w.Add("phi3.rope.scaling.attn_factor", 1.19f);
        t.Factors("rope_factors_long.weight", hd / 2, 1f, 8f);
        t.Factors("rope_factors_short.weight", hd / 2, 1f, 1.5f);
        t.Matrix("token_embd.weight", d, Vocab);
        t.Norm("output_norm.weight", d);
        t.Matrix("output.weight", d, Vocab);
        for (int l = 0; l < 2; l++)
        {
            string p = $"blk.{l}.";
            t.Norm(p + "attn_norm.weight", d);
            t.Matrix(p + "attn_qkv.weight", d, d + 2 * kv * hd); // q | k | v rows
            t.Matrix(p + "attn_output.weight", d, d);
            t.Norm(p + "ffn_norm.weight", d);
            t.Matrix(p + "ffn_up.weight", d, 2 * ff); // gate | up rows
            t.Matrix(p + "ffn_down.weight", ff, d);
        }
        return w;
    }

    static GgufWriter Gemma2()
    {
        const int d = 32, heads = 4, kv = 2, hd = 16, ff = 64;
        var (w, t) = Start("gemma2", d, heads, kv, hd, ff, seed: 3);
        w.Add("gemma2.rope.freq_base", 10000f);
        w.Add("gemma2.attention.layer_norm_rms_epsilon", 1e-6f);
        w.Add("gemma2.attention.sliding_window", 8u);
        w.Add("gemma2.attn_logit_softcapping", 2f);
        w.Add("gemma2.final_logit_softcapping", 3f);
        t.Matrix("token_embd.weight", d, Vocab); // tied: gemma2 has no output.weight
        t.Norm("output_norm.weight", d);
        for (int l = 0; l < 2; l++)
        {
            string p = $"blk.{l}.";
            t.Norm(p + "attn_norm.weight", d);
            t.Qkv(p, d, heads * hd, kv * hd);
            t.Matrix(p + "attn_output.weight", heads * hd, d);
            t.Norm(p + "post_attention_norm.weight", d);
            t.Norm(p + "ffn_norm.weight", d);
            t.GatedFeedForward(p, d, ff);
            t.Norm(p + "post_ffw_norm.weight", d);
        }
        return w;
    }

    static (GgufWriter, Tensors) Start(string arch, int d, int heads, int kv, int hd, int ff, int seed)
    {
        var w = new GgufWriter();
        w.Add("general.architecture", arch);
        w.Add("general.name", $"tiny {arch} (random weights, Hearth test fixture)");
        w.Add("general.file_type", 0u);
        if (arch != "phi3") w.Add($"{arch}.context_length", 128u);
        w.Add($"{arch}.embedding_length", (uint)d);
        w.Add($"{arch}.block_count", 2u);
        w.Add($"{arch}.feed_forward_length", (uint)ff);
        w.Add($"{arch}.attention.head_count", (uint)heads);
        w.Add($"{arch}.attention.head_count_kv", (uint)kv);
        w.Add($"{arch}.attention.key_length", (uint)hd);
        w.Add($"{arch}.attention.value_length", (uint)hd);
        w.Add($"{arch}.vocab_size", (uint)Vocab);
        w.Add("tokenizer.ggml.model", "none");
        return (w, new Tensors(w, new Random(seed)));
    }

    sealed class Tensors(GgufWriter w, Random rng)
    {
        /// <summary>Uniform in [-0.25, 0.25): with these widths, activations stay O(1) through two layers.</summary>
        public void Matrix(string name, int cols, int rows) => Add(name, [cols, rows], 0f);

        /// <summary>RoPE frequency divisors rising from <paramref name="low"/> to <paramref name="high"/>.</summary>
        public void Factors(string name, int length, float low, float high)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = low + (high - low) * i / (length - 1);
            var bytes = new byte[length * 4];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            w.AddTensor(name, GgmlType.F32, [length], bytes);
        }

        /// <summary>Separate attn_q, attn_k and attn_v, drawn in that order.</summary>
        public void Qkv(string layer, int d, int qDim, int kvDim)
        {
            Matrix(layer + "attn_q.weight", d, qDim);
            Matrix(layer + "attn_k.weight", d, kvDim);
            Matrix(layer + "attn_v.weight", d, kvDim);
        }

        /// <summary>ffn_gate, ffn_up and ffn_down, drawn in that order.</summary>
        public void GatedFeedForward(string layer, int d, int ff)
        {
            Matrix(layer + "ffn_gate.weight", d, ff);
            Matrix(layer + "ffn_up.weight", d, ff);
            Matrix(layer + "ffn_down.weight", ff, d);
        }

        /// <summary>Norm weights around 1.</summary>
        public void Norm(string name, int length) => Add(name, [length], 1f);

        void Add(string name, long[] dims, float mean)
        {
            var values = new float[dims.Aggregate(1L, (a, b) => a * b)];
            for (int i = 0; i < values.Length; i++) values[i] = mean + (float)(rng.NextDouble() - 0.5) * 0.5f;
            var bytes = new byte[values.Length * 4];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            w.AddTensor(name, GgmlType.F32, dims, bytes);
        }
    }
}
