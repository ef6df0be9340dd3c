using Hearth.Engine.Gguf;
using Hearth.Engine.Kernels;

namespace Hearth.Engine.Models;

/// <summary>One transformer block's tensors, as views into the mapped file. Biases are null where the model has none.</summary>
internal sealed unsafe class LayerWeights
{
    public float* AttentionNorm;
    public WeightMatrix Query, Key, Value, Output;
    public float* QueryBias, KeyBias, ValueBias;
    /// <summary>Per-head RMS norm weights (HeadDim) applied to each query and key head before RoPE (qwen3), or null.</summary>
    public float* QueryNorm, KeyNorm;
    public float* FeedForwardNorm;
    public WeightMatrix Gate, Up, Down;
    /// <summary>RMS norms of the attention and feed-forward outputs before the residual add (gemma2), or null.</summary>
    public float* PostAttentionNorm, PostFeedForwardNorm;
}

/// <summary>
/// Every tensor the forward pass reads, named as llama.cpp's GGUF files name them and checked against the config
/// at load. Nothing is copied: each field points into the memory-mapped file, which must outlive this object.
/// </summary>
internal sealed unsafe class ModelWeights
{
    public byte* TokenEmbedding;
    public GgmlType TokenEmbeddingType;
    public long TokenEmbeddingRowBytes;
    public LayerWeights[] Layers = [];
    public float* OutputNorm;
    /// <summary>The classifier: output.weight, or token_embd.weight when the embeddings are tied.</summary>
    public WeightMatrix Output;
    /// <summary>Per-pair RoPE frequency divisors (rope_freqs.weight, Llama 3.1+ scaling), or null.</summary>
    public float* RopeFreqFactors;
    /// <summary>LongRoPE divisors for caches longer / not longer than the original context (phi3 128k), or null.</summary>
    public float* RopeFactorsLong, RopeFactorsShort;

    /// <summary>The RoPE divisors a cache of <paramref name="contextLength"/> positions rotates with (as llama.cpp's get_rope_factors).</summary>
    public float* RopeFactorsFor(ModelConfig c, int contextLength) =>
        RopeFreqFactors != null ? RopeFreqFactors
        : RopeFactorsLong != null && contextLength > c.RopeOriginalContext ? RopeFactorsLong
        : RopeFactorsShort;

    public static ModelWeights Load(GgufFile f, ModelConfig c)
    {
        var loader = new Loader(f);
        // Every layer has at least 6 tensors (9 unfused): a lying block_count must fail before the layer array is allocated
        // (fuzz finding: block_count 10,747,909 allocated 82 MB; int.MaxValue would throw OutOfMemoryException).
        if ((long)c.BlockCount * 6 > f.Tensors.Count)
            throw new InvalidModelException($"{c.Architecture}.block_count is {c.BlockCount}, but the file has only {f.Tensors.Count} tensors (6 or more per layer).");
        int d = c.EmbeddingLength, qDim = c.HeadCount * c.HeadDim, kvDim = c.KvDim, ff = c.FeedForwardLength;

        var embedding = loader.Tensor("token_embd.weight", d, c.VocabSize);
        if (embedding.Type != GgmlType.F32 && !MatMul.Supports(embedding.Type))
            throw new UnsupportedModelException($"Tensor 'token_embd.weight' has type {embedding.Type}, which this engine cannot decode.");
        var w = new ModelWeights
        {
            TokenEmbedding = f.GetTensorPointer(embedding),
            TokenEmbeddingType = embedding.Type,
            TokenEmbeddingRowBytes = embedding.ByteSize / c.VocabSize,
            OutputNorm = loader.Vector("output_norm.weight", d),
            Output = f.TryGetTensor("output.weight", out _)
                ? loader.Matrix("output.weight", d, c.VocabSize)
                : loader.Matrix("token_embd.weight", d, c.VocabSize),
            RopeFreqFactors = loader.OptionalVector("rope_freqs.weight", c.RopeDim / 2),
            // LongRoPE (phi3 128k): model-wide tensors, one set for every layer.
            RopeFactorsLong = loader.OptionalVector("rope_factors_long.weight", c.RopeDim / 2),
            RopeFactorsShort = loader.OptionalVector("rope_factors_short.weight", c.RopeDim / 2),
            Layers = new LayerWeights[c.BlockCount],
        };
        if ((w.RopeFactorsLong == null) != (w.RopeFactorsShort == null) || (w.RopeFactorsLong != null && c.RopeOriginalContext == 0))
            throw new InvalidModelException($"{c.Architecture}: LongRoPE needs rope_factors_long, rope_factors_short and rope.scaling.original_context_length together.");
        for (int l = 0; l < c.BlockCount; l++)
        {
            string p = $"blk.{l}.";
            // phi3 fuses q|k|v into attn_qkv and gate|up into ffn_up: row views of the fused tensors, nothing copied.
            bool fusedQkv = f.TryGetTensor(p + "attn_qkv.weight", out _);
            var qkv = fusedQkv ? loader.Matrix(p + "attn_qkv.weight", d, qDim + 2 * kvDim) : default;
            bool fusedGateUp = !f.TryGetTensor(p + "ffn_gate.weight", out _) && c.Architecture == "phi3";
            var gateUp = fusedGateUp ? loader.Matrix(p + "ffn_up.weight", d, 2 * ff) : default;
            w.Layers[l] = new LayerWeights
            {
                AttentionNorm = loader.Vector(p + "attn_norm.weight", d),
                Query = fusedQkv ? qkv.Slice(0, qDim) : loader.Matrix(p + "attn_q.weight", d, qDim),
                Key = fusedQkv ? qkv.Slice(qDim, kvDim) : loader.Matrix(p + "attn_k.weight", d, kvDim),
                Value = fusedQkv ? qkv.Slice(qDim + kvDim, kvDim) : loader.Matrix(p + "attn_v.weight", d, kvDim),
                QueryBias = loader.OptionalVector(p + "attn_q.bias", qDim),
                KeyBias = loader.OptionalVector(p + "attn_k.bias", kvDim),
                ValueBias = loader.OptionalVector(p + "attn_v.bias", kvDim),
                QueryNorm = c.QueryKeyNorm ? loader.Vector(p + "attn_q_norm.weight", c.HeadDim) : null,
                KeyNorm = c.QueryKeyNorm ? loader.Vector(p + "attn_k_norm.weight", c.HeadDim) : null,
                Output = loader.Matrix(p + "attn_output.weight", qDim, d),
                FeedForwardNorm = loader.Vector(p + "ffn_norm.weight", d),
                Gate = fusedGateUp ? gateUp.Slice(0, ff) : loader.Matrix(p + "ffn_gate.weight", d, ff),
                Up = fusedGateUp ? gateUp.Slice(ff, ff) : loader.Matrix(p + "ffn_up.weight", d, ff),
                Down = loader.Matrix(p + "ffn_down.weight", ff, d),
                PostAttentionNorm = c.PostNorms ? loader.Vector(p + "post_attention_norm.weight", d) : null,
                PostFeedForwardNorm = c.PostNorms ? loader.Vector(p + "post_ffw_norm.weight", d) : null,
            };
        }
        return w;
    }

    readonly struct Loader(GgufFile f)
    {
        /// <summary>A tensor of ggml shape [cols, rows] (rows = 1 for a vector).</summary>
        public GgufTensorInfo Tensor(string name, long cols, long rows)
        {
            if (!f.TryGetTensor(name, out var t))
                throw new InvalidModelException($"The model file lacks tensor '{name}'.");
            bool vector = rows == 1 && t.Dims.Length == 1;
            if (t.Cols != cols || t.Rows != rows || (!vector && t.Dims.Length != 2))
                throw new InvalidModelException(
                    $"Tensor '{name}' has shape [{string.Join(", ", t.Dims)}] but the metadata implies [{cols}{(rows == 1 ? "" : $", {rows}")}].");
            return t;
        }

        public WeightMatrix Matrix(string name, int cols, int rows)
        {
            var t = Tensor(name, cols, rows);
            if (!MatMul.Supports(t.Type))
                throw new UnsupportedModelException($"Tensor '{name}' has type {t.Type}, which the matmul kernels do not support.");
            return new WeightMatrix(f.GetTensorPointer(t), t.Type, rows, cols);
        }

        public float* Vector(string name, int length)
        {
            var t = Tensor(name, length, 1);
            if (t.Type != GgmlType.F32)
                throw new UnsupportedModelException($"Tensor '{name}' has type {t.Type}; norms, biases and RoPE factors must be F32.");
            return (float*)f.GetTensorPointer(t);
        }

        public float* OptionalVector(string name, int length) => f.TryGetTensor(name, out _) ? Vector(name, length) : null;
    }
}
