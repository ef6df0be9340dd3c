using Hearth.Engine.Gguf;
using Hearth.Engine.Models;
using Hearth.Tests;

namespace Hearth.Engine.Tests.Models;

/// <summary>Config from metadata, and clear errors for models the engine cannot run.</summary>
public class ModelLoadTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("hearth-model-load-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ConfigComesFromMetadata()
    {
        using var file = GgufFile.Open(TestModels.Path("tiny-qwen2-q8_0.gguf"));
        var c = ModelConfig.FromGguf(file);
        Assert.Equal(("qwen2", 256, 2, 8, 2, 32, 512, 151936, 2048), (c.Architecture, c.EmbeddingLength, c.BlockCount, c.HeadCount,
            c.HeadCountKv, c.HeadDim, c.FeedForwardLength, c.VocabSize, c.ContextLength));
        Assert.Equal((1e6f, 32, true, 1e-5f), (c.RopeBase, c.RopeDim, c.RopeNeox, c.RmsEps));
        Assert.Equal(64, c.KvDim);
        Assert.Contains(151643, c.EndOfGenerationTokenIds); // <|endoftext|>
        Assert.Contains(151645, c.EndOfGenerationTokenIds); // <|im_end|>

        using var stories = GgufFile.Open(TestModels.Path("stories260K.gguf"));
        var s = ModelConfig.FromGguf(stories);
        Assert.Equal((10000f, 8, false, 512, 2), (s.RopeBase, s.RopeDim, s.RopeNeox, s.VocabSize, s.EosTokenId));
    }

    [Fact]
    public void AWellFormedSyntheticModelLoadsAndRuns()
    {
        using var file = Write(Synthetic());
        using var model = TransformerModel.Load(file, threads: 1);
        using var state = model.CreateState(8);
        var logits = state.Evaluate([1, 2, 3]);
        Assert.Equal(32, logits.Length);
        foreach (var l in logits) Assert.True(float.IsFinite(l));
    }

    [Fact]
    public void UnsupportedArchitectureIsNamed()
    {
        using var file = Write(Synthetic(arch: "mamba"));
        var ex = Assert.Throws<UnsupportedModelException>(() => TransformerModel.Load(file));
        Assert.Contains("'mamba'", ex.Message);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        using var file = Write(Synthetic(skip: "blk.1.ffn_up.weight"));
        var ex = Assert.Throws<InvalidModelException>(() => TransformerModel.Load(file));
        Assert.Contains("blk.1.ffn_up.weight", ex.Message);
    }

    [Fact]
    public void ShapeMismatchIsNamed()
    {
        using var file = Write(Synthetic(reshape: ("blk.0.attn_k.weight", [32, 32])));
        var ex = Assert.Throws<InvalidModelException>(() => TransformerModel.Load(file));
        Assert.Contains("blk.0.attn_k.weight", ex.Message);
        Assert.Contains("[32, 16]", ex.Message);
    }

    [Fact]
    public void UnsupportedTensorTypeIsNamed()
    {
        using var file = Write(Synthetic(retype: ("blk.0.ffn_gate.weight", GgmlType.I8)));
        var ex = Assert.Throws<UnsupportedModelException>(() => TransformerModel.Load(file));
        Assert.Contains("blk.0.ffn_gate.weight", ex.Message);
        Assert.Contains("I8", ex.Message);
    }

    [Fact]
    public void MissingMetadataIsNamed()
    {
        using var file = Write(Synthetic(skip: "llama.block_count"));
        var ex = Assert.Throws<InvalidModelException>(() => TransformerModel.Load(file));
        Assert.Contains("llama.block_count", ex.Message);
    }

    /// <summary>Fuzz finding (bench fuzz --seed 2, stories260K.gguf): block_count mutated to 10,747,909 made the loader
    /// allocate its layer array (82 MB) before finding blk.5 missing; int.MaxValue would have thrown OutOfMemoryException.</summary>
    [Fact]
    public void LyingBlockCountFailsBeforeAllocating()
    {
        var w = Synthetic(skip: "llama.block_count");
        w.Add("llama.block_count", (uint)int.MaxValue);
        using var file = Write(w);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidModelException>(() => TransformerModel.Load(file));
        Assert.Contains("block_count", ex.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void UnknownRopeScalingIsRejected()
    {
        var w = Synthetic();
        w.Add("llama.rope.scaling.type", "su");
        using var file = Write(w);
        Assert.Throws<UnsupportedModelException>(() => TransformerModel.Load(file));
    }

    GgufFile Write(GgufWriter w)
    {
        var path = Path.Combine(_dir, Guid.NewGuid() + ".gguf");
        w.Write(path);
        return GgufFile.Open(path);
    }

    /// <summary>A 2-layer llama with d=32, 4 heads (2 KV), ffn 64, vocab 32, F32 random weights.</summary>
    static GgufWriter Synthetic(string arch = "llama", string? skip = null, (string Name, long[] Dims)? reshape = null,
        (string Name, GgmlType Type)? retype = null)
    {
        const int d = 32, ff = 64, vocab = 32, layers = 2;
        var w = new GgufWriter();
        void Meta(string key, uint value) { if (key != skip) w.Add(key, value); }
        w.Add("general.architecture", arch);
        Meta($"{arch}.context_length", 64);
        Meta($"{arch}.embedding_length", d);
        Meta($"{arch}.block_count", layers);
        Meta($"{arch}.feed_forward_length", ff);
        Meta($"{arch}.attention.head_count", 4);
        Meta($"{arch}.attention.head_count_kv", 2);
        Meta($"{arch}.vocab_size", vocab);
        w.Add($"{arch}.attention.layer_norm_rms_epsilon", 1e-5f);

        var rng = new Random(3);
        void Tensor(string name, params long[] dims)
        {
            if (name == skip) return;
            if (reshape is { } r && r.Name == name) dims = r.Dims;
            var type = retype is { } t && t.Name == name ? t.Type : GgmlType.F32;
            long count = dims.Aggregate(1L, (a, b) => a * b);
            var bytes = new byte[count * GgmlTypeInfo.BlockBytes(type) / GgmlTypeInfo.BlockSize(type)];
            if (type == GgmlType.F32)
            {
                var floats = new float[count];
                for (int i = 0; i < count; i++) floats[i] = (float)(rng.NextDouble() - 0.5) * 0.2f;
                Buffer.BlockCopy(floats, 0, bytes, 0, bytes.Length);
            }
            w.AddTensor(name, type, dims, bytes);
        }
        Tensor("token_embd.weight", d, vocab);
        Tensor("output_norm.weight", d);
        for (int l = 0; l < layers; l++)
        {
            Tensor($"blk.{l}.attn_norm.weight", d);
            Tensor($"blk.{l}.attn_q.weight", d, d);
            Tensor($"blk.{l}.attn_k.weight", d, 16);
            Tensor($"blk.{l}.attn_v.weight", d, 16);
            Tensor($"blk.{l}.attn_output.weight", d, d);
            Tensor($"blk.{l}.ffn_norm.weight", d);
            Tensor($"blk.{l}.ffn_gate.weight", d, ff);
            Tensor($"blk.{l}.ffn_up.weight", d, ff);
            Tensor($"blk.{l}.ffn_down.weight", ff, d);
        }
        return w;
    }
}
