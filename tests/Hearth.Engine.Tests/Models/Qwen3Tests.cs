using Hearth.Engine.Gguf;
using Hearth.Engine.Models;

namespace Hearth.Engine.Tests.Models;

/// <summary>
/// qwen3 = qwen2's forward pass (NEOX RoPE) without q/k/v biases, plus an RMS norm over every query and key head
/// (attn_q_norm / attn_k_norm, HeadDim weights) before RoPE, as llama.cpp's models/qwen3.cpp. The head size comes from
/// attention.key_length and need not be embedding / heads (here 4 heads of 16 on a 32-wide model, as Qwen3's 16 x 128
/// on 1024). Tiny models written with GgufWriter.
/// </summary>
public class Qwen3Tests : IDisposable
{
    const int D = 32, Heads = 4, KvHeads = 2, HeadDim = 16, Ff = 64, Vocab = 48, Layers = 2;
    readonly string _dir = Directory.CreateTempSubdirectory("hearth-qwen3-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ConfigAndLoad()
    {
        using var file = Write(Model());
        var c = ModelConfig.FromGguf(file);
        Assert.Equal(("qwen3", HeadDim, true, true), (c.Architecture, c.HeadDim, c.RopeNeox, c.QueryKeyNorm));
        using var model = TransformerModel.Load(file, threads: 1);
        using var state = model.CreateState(16);
        var logits = state.Evaluate([1, 5, 9, 3]);
        Assert.Equal(Vocab, logits.Length);
        foreach (var l in logits) Assert.True(float.IsFinite(l));
    }

    [Fact]
    public void MissingHeadNormIsNamed()
    {
        using var file = Write(Model(skip: "blk.1.attn_k_norm.weight"));
        var ex = Assert.Throws<InvalidModelException>(() => TransformerModel.Load(file));
        Assert.Contains("blk.1.attn_k_norm.weight", ex.Message);
    }

    /// <summary>
    /// The head norms make attention blind to the scale of the q and k projections: multiplying attn_q and attn_k by 4
    /// (exact in F32) leaves the logits as they were (up to the epsilon). Without the norms the attention scores
    /// would grow 16-fold and the logits would move.
    /// </summary>
    [Fact]
    public void HeadNormsCancelTheScaleOfQueriesAndKeys()
    {
        var baseline = Logits(Model());
        var scaled = Logits(Model(qkScale: 4f));
        for (int i = 0; i < baseline.Length; i++) Assert.True(Math.Abs(baseline[i] - scaled[i]) < 1e-3f, $"logit {i}: {baseline[i]} vs {scaled[i]}");

        // The same scaling on the norm weights is not cancelled: they are applied, after the normalization.
        var normScaled = Logits(Model(normScale: 4f));
        double diff = 0;
        for (int i = 0; i < baseline.Length; i++) diff = Math.Max(diff, Math.Abs(baseline[i] - normScaled[i]));
        Assert.True(diff > 1e-2, $"scaling attn_q_norm/attn_k_norm changed the logits by only {diff}");
    }

    /// <summary>With one token attention returns its value row whatever q and k are, so the norms cannot matter yet; from
    /// the second token on they do. Guards against applying the norms to the wrong buffer (e.g. the value rows).</summary>
    [Fact]
    public void FirstTokenDependsOnlyOnValues()
    {
        var a = Logits(Model(), [7]);
        var b = Logits(Model(normScale: 4f), [7]);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) < 1e-4f, $"logit {i}: {a[i]} vs {b[i]}");
    }

    float[] Logits(GgufWriter w, int[]? tokens = null)
    {
        using var file = Write(w);
        using var model = TransformerModel.Load(file, threads: 1);
        using var state = model.CreateState(16);
        return state.Evaluate(tokens ?? [1, 5, 9, 3, 11, 2]).ToArray();
    }

    GgufFile Write(GgufWriter w)
    {
        var path = Path.Combine(_dir, Guid.NewGuid() + ".gguf");
        w.Write(path);
        return GgufFile.Open(path);
    }

    static GgufWriter Model(string? skip = null, float qkScale = 1f, float normScale = 1f)
    {
        var w = new GgufWriter();
        w.Add("general.architecture", "qwen3");
        w.Add("qwen3.context_length", 64u);
        w.Add("qwen3.embedding_length", (uint)D);
        w.Add("qwen3.block_count", (uint)Layers);
        w.Add("qwen3.feed_forward_length", (uint)Ff);
        w.Add("qwen3.attention.head_count", (uint)Heads);
        w.Add("qwen3.attention.head_count_kv", (uint)KvHeads);
        w.Add("qwen3.attention.key_length", (uint)HeadDim);
        w.Add("qwen3.attention.value_length", (uint)HeadDim);
        w.Add("qwen3.vocab_size", (uint)Vocab);
        w.Add("qwen3.rope.freq_base", 1000000f);
        w.Add("qwen3.attention.layer_norm_rms_epsilon", 1e-6f);

        var rng = new Random(5);
        void Tensor(string name, float scale, float mean, params long[] dims)
        {
            long count = dims.Aggregate(1L, (a, b) => a * b);
            var floats = new float[count];
            // Draw for every tensor, skipped or not, so the other tensors stay the same.
            for (int i = 0; i < count; i++) floats[i] = mean + (float)(rng.NextDouble() - 0.5) * 0.5f;
            if (name == skip) return;
            for (int i = 0; i < count; i++) floats[i] *= scale;
            var bytes = new byte[count * 4];
            Buffer.BlockCopy(floats, 0, bytes, 0, bytes.Length);
            w.AddTensor(name, GgmlType.F32, dims, bytes);
        }
        Tensor("token_embd.weight", 1, 0, D, Vocab);
        Tensor("output_norm.weight", 1, 1, D);
        Tensor("output.weight", 1, 0, D, Vocab);
        for (int l = 0; l < Layers; l++)
        {
            string p = $"blk.{l}.";
            Tensor(p + "attn_norm.weight", 1, 1, D);
            Tensor(p + "attn_q.weight", qkScale, 0, D, Heads * HeadDim);
            Tensor(p + "attn_k.weight", qkScale, 0, D, KvHeads * HeadDim);
            Tensor(p + "attn_v.weight", 1, 0, D, KvHeads * HeadDim);
            Tensor(p + "attn_q_norm.weight", normScale, 1, HeadDim);
            Tensor(p + "attn_k_norm.weight", normScale, 1, HeadDim);
            Tensor(p + "attn_output.weight", 1, 0, Heads * HeadDim, D);
            Tensor(p + "ffn_norm.weight", 1, 1, D);
            Tensor(p + "ffn_gate.weight", 1, 0, D, Ff);
            Tensor(p + "ffn_up.weight", 1, 0, D, Ff);
            Tensor(p + "ffn_down.weight", 1, 0, Ff, D);
        }
        return w;
    }
}
