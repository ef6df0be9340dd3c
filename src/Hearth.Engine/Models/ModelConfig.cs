using Hearth.Engine.Gguf;

namespace Hearth.Engine.Models;

/// <summary>How RoPE frequencies are stretched for contexts longer than the model was trained on.</summary>
public enum RopeScalingType
{
    None,
    /// <summary>Positions divided by the factor (freq_scale = 1/factor).</summary>
    Linear,
}

/// <summary>The feed-forward gate's activation: act(gate(x)) * up(x).</summary>
public enum FeedForwardActivation
{
    /// <summary>SwiGLU (llama, qwen, phi3).</summary>
    Silu,
    /// <summary>GeGLU with tanh-approximated GELU (gemma2).</summary>
    Gelu,
}

/// <summary>
/// The shape and hyper-parameters of a transformer, read from GGUF metadata (<c>{arch}.*</c> keys, named as
/// llama.cpp names them). Per-architecture differences that the forward pass needs are flags here
/// (<see cref="RopeNeox"/>, ...), so a new architecture is a new case in <see cref="FromGguf"/>, not a new forward pass.
/// </summary>
public sealed record ModelConfig(
    string Architecture,
    int EmbeddingLength,
    int BlockCount,
    int HeadCount,
    int HeadCountKv,
    int HeadDim,
    int FeedForwardLength,
    int VocabSize,
    int ContextLength,
    float RmsEps,
    float RopeBase,
    int RopeDim,
    bool RopeNeox,
    RopeScalingType RopeScaling,
    float RopeFreqScale,
    int? BosTokenId,
    int? EosTokenId,
    IReadOnlyList<int> EndOfGenerationTokenIds)
{
    /// <summary>Whether every layer has per-head RMS norms on queries and keys before RoPE (attn_q_norm / attn_k_norm: qwen3).</summary>
    public bool QueryKeyNorm => Architecture is "qwen3";

    /// <summary>Architectures whose forward pass this engine implements.</summary>
    public static IReadOnlyList<string> SupportedArchitectures { get; } = ["llama", "qwen2", "qwen3", "phi3", "gemma2"];

    /// <summary>Factor the token embeddings are multiplied by (gemma2: sqrt(embedding_length)).</summary>
    public float EmbeddingScale { get; init; } = 1f;

    /// <summary>Factor on q.k before softmax: 1/sqrt(head size), except where the architecture says otherwise.</summary>
    public float AttentionScale { get; init; }

    /// <summary>Attention scores pass through cap * tanh(score / cap) when this is not 0 (gemma2).</summary>
    public float AttentionSoftcap { get; init; }

    /// <summary>Logits pass through cap * tanh(logit / cap) when this is not 0 (gemma2).</summary>
    public float FinalSoftcap { get; init; }

    /// <summary>Positions a sliding-window layer attends to (its own included), or 0 when no layer slides.</summary>
    public int SlidingWindow { get; init; }

    /// <summary>With <see cref="SlidingWindow"/>: layer l slides when l % pattern &lt; pattern - 1 (gemma2: every other layer, from 0).</summary>
    public int SlidingWindowPattern { get; init; } = 2;

    /// <summary>Whether layer <paramref name="layer"/> attends only to the last <see cref="SlidingWindow"/> positions.</summary>
    public bool IsSlidingLayer(int layer) => SlidingWindow > 0 && (SlidingWindowPattern == 0 || layer % SlidingWindowPattern < SlidingWindowPattern - 1);

    public FeedForwardActivation Activation { get; init; } = FeedForwardActivation.Silu;

    /// <summary>Whether attention and feed-forward outputs are RMS-normed before joining the residual (gemma2's post norms).</summary>
    public bool PostNorms => Architecture is "gemma2";

    /// <summary>
    /// LongRoPE (phi3 128k): the context the model was trained on before scaling. A cache longer than this rotates with
    /// rope_factors_long, a shorter one with rope_factors_short (as llama.cpp picks by its context size); 0 when unused.
    /// </summary>
    public int RopeOriginalContext { get; init; }

    /// <summary>RoPE's cos and sin are multiplied by this (rope.scaling.attn_factor: LongRoPE).</summary>
    public float RopeAttentionFactor { get; init; } = 1f;

    /// <summary>Width of the K and V projections: one head of HeadDim per KV head (grouped-query attention).</summary>
    public int KvDim => HeadCountKv * HeadDim;

    /// <summary>Query heads sharing one KV head.</summary>
    public int GroupSize => HeadCount / HeadCountKv;

    public static ModelConfig FromGguf(GgufFile f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var arch = f.GetString("general.architecture")
            ?? throw new InvalidModelException("The GGUF file has no 'general.architecture'; it is not a model file.");
        if (!SupportedArchitectures.Contains(arch))
            throw new UnsupportedModelException(
                $"Model architecture '{arch}' is not supported (supported: {string.Join(", ", SupportedArchitectures)}).");

        int embd = Required(f, $"{arch}.embedding_length");
        int heads = Required(f, $"{arch}.attention.head_count");
        int headsKv = Optional(f, $"{arch}.attention.head_count_kv") ?? heads;
        int headDim = Optional(f, $"{arch}.attention.key_length") ?? (heads > 0 ? embd / heads : 0);
        int valueDim = Optional(f, $"{arch}.attention.value_length") ?? headDim;
        if (heads <= 0 || headsKv <= 0 || heads % headsKv != 0)
            throw new InvalidModelException($"{arch}: head_count {heads} is not a positive multiple of head_count_kv {headsKv}.");
        if (headDim <= 0 || headDim % 2 != 0 || valueDim != headDim)
            throw new InvalidModelException($"{arch}: head size {headDim} (values {valueDim}) must be even and equal for keys and values.");

        int vocab = Optional(f, $"{arch}.vocab_size")
            ?? f.GetArray<string>("tokenizer.ggml.tokens")?.Length
            ?? (f.TryGetTensor("token_embd.weight", out var embdTensor) ? (int)embdTensor.Rows : 0);
        if (vocab <= 0) throw new InvalidModelException($"{arch}: the vocabulary size is unknown (no vocab_size, tokens or token_embd.weight).");

        int ropeDim = Optional(f, $"{arch}.rope.dimension_count") ?? headDim;
        if (ropeDim <= 0 || ropeDim > headDim || ropeDim % 2 != 0)
            throw new InvalidModelException($"{arch}: rope.dimension_count {ropeDim} must be even and at most the head size {headDim}.");

        var (scaling, freqScale) = ReadRopeScaling(f, arch);
        var eos = OptionalToken(f, "tokenizer.ggml.eos_token_id", vocab);
        var config = new ModelConfig(
            Architecture: arch,
            EmbeddingLength: embd,
            BlockCount: Required(f, $"{arch}.block_count"),
            HeadCount: heads,
            HeadCountKv: headsKv,
            HeadDim: headDim,
            FeedForwardLength: Required(f, $"{arch}.feed_forward_length"),
            VocabSize: vocab,
            ContextLength: Required(f, $"{arch}.context_length"),
            RmsEps: f.GetFloat($"{arch}.attention.layer_norm_rms_epsilon") ?? 1e-5f,
            RopeBase: f.GetFloat($"{arch}.rope.freq_base") ?? 10000f,
            RopeDim: ropeDim,
            // llama.cpp's LLAMA_ROPE_TYPE_NEOX archs rotate (i, i + d/2) pairs; LLAMA_ROPE_TYPE_NORM ones rotate (2i, 2i+1).
            RopeNeox: arch is "qwen2" or "qwen3" or "phi3" or "gemma2",
            RopeScaling: scaling,
            RopeFreqScale: freqScale,
            BosTokenId: OptionalToken(f, "tokenizer.ggml.bos_token_id", vocab),
            EosTokenId: eos,
            EndOfGenerationTokenIds: EndOfGeneration(f, vocab, eos))
        {
            AttentionScale = 1f / MathF.Sqrt(headDim),
            RopeOriginalContext = Optional(f, $"{arch}.rope.scaling.original_context_length") ?? 0,
            RopeAttentionFactor = f.GetFloat($"{arch}.rope.scaling.attn_factor") ?? 1f,
        };
        return arch switch
        {
            "gemma2" => Gemma2(f, config),
            _ => config,
        };
    }

    /// <summary>gemma2 as llama.cpp's models/gemma2.cpp: scaled embeddings, GeGLU, post norms, soft-capping, sliding window on even layers.</summary>
    static ModelConfig Gemma2(GgufFile f, ModelConfig c) => c with
    {
        EmbeddingScale = MathF.Sqrt(c.EmbeddingLength),
        // Gemma 2 27B (46 layers) scales queries by 1/sqrt(embedding / heads), the others by 1/sqrt(head size).
        AttentionScale = 1f / MathF.Sqrt(c.BlockCount == 46 ? c.EmbeddingLength / c.HeadCount : c.HeadDim),
        AttentionSoftcap = f.GetFloat("gemma2.attn_logit_softcapping") ?? 50f,
        FinalSoftcap = f.GetFloat("gemma2.final_logit_softcapping") ?? 30f,
        SlidingWindow = Optional(f, "gemma2.attention.sliding_window") ?? 4096,
        SlidingWindowPattern = Optional(f, "gemma2.attention.sliding_window_pattern") ?? 2,
        Activation = FeedForwardActivation.Gelu,
    };

    static (RopeScalingType, float) ReadRopeScaling(GgufFile f, string arch)
    {
        var type = f.GetString($"{arch}.rope.scaling.type");
        float factor = f.GetFloat($"{arch}.rope.scaling.factor") ?? 0f;
        // Older files only have rope.scale_linear.
        if (type == null && f.GetFloat($"{arch}.rope.scale_linear") is float linear)
        {
            type = "linear";
            factor = linear;
        }
        switch (type)
        {
            case null or "none":
                return (RopeScalingType.None, 1f);
            case "linear":
                if (factor <= 0) throw new InvalidModelException($"{arch}: linear rope scaling needs a positive rope.scaling.factor, got {factor}.");
                return factor == 1f ? (RopeScalingType.None, 1f) : (RopeScalingType.Linear, 1f / factor);
            default:
                throw new UnsupportedModelException($"{arch}: rope scaling '{type}' is not supported (supported: none, linear, and llama3 via rope_freqs.weight).");
        }
    }

    /// <summary>EOS plus EOT/EOM and the chat-end tokens llama.cpp also treats as end of generation.</summary>
    static int[] EndOfGeneration(GgufFile f, int vocab, int? eos)
    {
        var ids = new SortedSet<int>();
        if (eos is int e) ids.Add(e);
        foreach (var key in new[] { "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id" })
            if (OptionalToken(f, key, vocab) is int id) ids.Add(id);
        if (f.GetArray<string>("tokenizer.ggml.tokens") is { } tokens)
            for (int i = 0; i < tokens.Length; i++)
                if (tokens[i] is "<|eot_id|>" or "<|im_end|>" or "<|end|>" or "<end_of_turn>" or "<|endoftext|>" or "<|eom_id|>")
                    ids.Add(i);
        return [.. ids];
    }

    static int? OptionalToken(GgufFile f, string key, int vocab)
    {
        long? id = f.GetInteger(key);
        return id is >= 0 && id < vocab ? (int)id : null;
    }

    static int Required(GgufFile f, string key) =>
        Optional(f, key) ?? throw new InvalidModelException($"The GGUF file lacks the required metadata '{key}'.");

    static int? Optional(GgufFile f, string key)
    {
        long? v = f.GetInteger(key);
        if (v == null) return null;
        if (v <= 0 || v > int.MaxValue) throw new InvalidModelException($"Metadata '{key}' = {v} is out of range.");
        return (int)v;
    }
}
