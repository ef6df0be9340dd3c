using Hearth.Engine.Gguf;
using Hearth.Engine.Kernels;

namespace Hearth.Engine.Models;

/// <summary>
/// A decoder-only transformer (llama, qwen2, qwen3, phi3, gemma2) over the weights of a mapped GGUF file. Holds the weights and the
/// compute threads; each conversation keeps its KV cache in an <see cref="InferenceState"/> from
/// <see cref="CreateState"/>. States of one model evaluate one at a time (they share the threads).
/// </summary>
public sealed unsafe class TransformerModel : IDisposable
{
    readonly GgufFile _file;
    readonly ModelWeights _weights;
    readonly ComputePool _pool;
    bool _disposed;

    TransformerModel(GgufFile file, ModelConfig config, ModelWeights weights, ComputePool pool)
    {
        _file = file;
        Config = config;
        _weights = weights;
        _pool = pool;
    }

    public ModelConfig Config { get; }

    /// <summary>Compute threads (the caller's thread included).</summary>
    public int Threads => _pool.Threads;

    /// <summary>Serializes evaluation: the compute pool and its scratch are shared by all states.</summary>
    internal object EvaluationLock { get; } = new();

    /// <summary>
    /// Reads the config and checks every tensor's presence, shape and type. The file must stay open while the
    /// model is used (weights are read in place from its mapping); disposing the model does not close it.
    /// </summary>
    /// <param name="threads">Compute threads; 0 means <see cref="Environment.ProcessorCount"/>.</param>
    public static TransformerModel Load(GgufFile file, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        var config = ModelConfig.FromGguf(file);
        var weights = ModelWeights.Load(file, config);
        return new TransformerModel(file, config, weights, new ComputePool(threads == 0 ? Environment.ProcessorCount : threads, ComputePool.DefaultInlineWork));
    }

    /// <summary>Allocates a KV cache for <paramref name="contextLength"/> tokens and the scratch buffers of one evaluation.</summary>
    public InferenceState CreateState(int contextLength) => CreateState(contextLength, InferenceState.MaxBatch);

    /// <summary>Like <see cref="CreateState(int)"/> with a smaller prompt batch (tests of the chunking).</summary>
    internal InferenceState CreateState(int contextLength, int maxBatch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        return new InferenceState(this, contextLength, maxBatch);
    }

    /// <summary>
    /// The forward pass for a chunk of tokens at positions pos..pos+n-1 (their K/V land in the cache there).
    /// Writes the logits of the last token to <paramref name="logits"/>, or of every token (n x vocab) when
    /// <paramref name="allLogits"/>, or none when <paramref name="logits"/> is null (a prompt chunk before the last).
    /// </summary>
    internal void Forward(InferenceState s, ReadOnlySpan<int> tokens, int pos, float* logits, bool allLogits)
    {
        int n = tokens.Length;
        for (int i = 0; i < n; i++) (s.RowCaches[i], s.RowPositions[i], s.LogitRows[i]) = (s, pos + i, i);
        var logitRows = logits == null ? default : allLogits ? s.LogitRows.AsSpan(0, n) : s.LogitRows.AsSpan(n - 1, 1);
        ForwardRows(s, tokens, logits, logitRows);
    }

    /// <summary>
    /// The forward pass over rows whose caches and positions are in <c>s.RowCaches</c> and <c>s.RowPositions</c>: rows of
    /// one prompt, the next token of many conversations (batched decode), or both. The weights are read once for all
    /// rows, which is what makes decoding many streams together cheaper than in turn. Writes the logits of the rows
    /// listed in <paramref name="logitRows"/> (ascending), one after another.
    /// </summary>
    internal void ForwardRows(InferenceState s, ReadOnlySpan<int> tokens, float* logits, ReadOnlySpan<int> logitRows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var c = Config;
        var w = _weights;
        int n = tokens.Length, d = c.EmbeddingLength, qDim = c.HeadCount * c.HeadDim, kvDim = c.KvDim, ff = c.FeedForwardLength;
        float* x = s.X, xb = s.Xb, q = s.Q, k = s.K, v = s.V, att = s.Att, gate = s.Gate, up = s.Up;

        // token embeddings
        for (int i = 0; i < n; i++)
        {
            var row = new ReadOnlySpan<byte>(w.TokenEmbedding + tokens[i] * w.TokenEmbeddingRowBytes, (int)w.TokenEmbeddingRowBytes);
            Dequantize.Row(w.TokenEmbeddingType, row, new Span<float>(x + i * d, d));
            if (c.EmbeddingScale != 1f) Scale(x + i * d, d, c.EmbeddingScale);
        }

        // which rows take the tiled attention: those of runs of 64+ consecutive rows of one cache, cut into blocks
        int tiledRows = 0, tiledBlocks = 0;
        for (int i = 0; i < n;)
        {
            int run = 1;
            while (i + run < n && s.RowCaches[i + run] == s.RowCaches[i] && s.RowPositions[i + run] == s.RowPositions[i] + run) run++;
            bool tiled = run >= TiledAttention.MinRows;
            s.RowTiled.AsSpan(i, run).Fill(tiled);
            if (tiled)
            {
                tiledRows += run;
                for (int b = i; b < i + run; b += TiledAttention.BlockRows, tiledBlocks++)
                    (s.TiledBlocks[2 * tiledBlocks], s.TiledBlocks[2 * tiledBlocks + 1]) = (b, Math.Min(TiledAttention.BlockRows, i + run - b));
            }
            i += run;
        }

        // RoPE angles of each position, shared by every layer and head
        for (int i = 0; i < n; i++)
            Rope.Angles(s.RowPositions[i], c.RopeBase, c.RopeFreqScale, w.RopeFactorsFor(c, s.RowCaches[i].ContextLength), c.RopeDim,
                s.RopeAngles + i * c.RopeDim, c.RopeAttentionFactor);

        for (int l = 0; l < c.BlockCount; l++)
        {
            var layer = w.Layers[l];

            // attention rmsnorm
            for (int i = 0; i < n; i++) RmsNorm.Apply(x + i * d, layer.AttentionNorm, xb + i * d, d, c.RmsEps);

            // qkv matmuls (+ biases: qwen2)
            MatMul.MultiplyMany(_pool, xb, n, layer.Query, q, layer.Key, k, layer.Value, v);
            AddBias(q, layer.QueryBias, n, qDim);
            AddBias(k, layer.KeyBias, n, kvDim);
            AddBias(v, layer.ValueBias, n, kvDim);

            // qwen3: RMS norm of every query and key head (in place)
            if (layer.QueryNorm != null)
                for (int i = 0; i < n; i++)
                {
                    for (int h = 0; h < c.HeadCount; h++) RmsNorm.Apply(q + i * qDim + h * c.HeadDim, layer.QueryNorm, q + i * qDim + h * c.HeadDim, c.HeadDim, c.RmsEps);
                    for (int h = 0; h < c.HeadCountKv; h++) RmsNorm.Apply(k + i * kvDim + h * c.HeadDim, layer.KeyNorm, k + i * kvDim + h * c.HeadDim, c.HeadDim, c.RmsEps);
                }

            // RoPE on every query and key head
            for (int i = 0; i < n; i++)
            {
                float* angles = s.RopeAngles + i * c.RopeDim;
                for (int h = 0; h < c.HeadCount; h++) Rope.Apply(q + i * qDim + h * c.HeadDim, angles, c.RopeDim, c.RopeNeox);
                for (int h = 0; h < c.HeadCountKv; h++) Rope.Apply(k + i * kvDim + h * c.HeadDim, angles, c.RopeDim, c.RopeNeox);
            }

            // store K and V in each row's cache at its position
            for (int i = 0; i < n; i++) s.RowCaches[i].Store(l, s.RowPositions[i], k + i * kvDim, v + i * kvDim, 1);

            // causal attention: row i sees its cache's positions 0..pos_i; heads x rows spread over the threads.
            // Runs of 64+ rows of one prompt take llama.cpp's tiled form, as llama.cpp does for such batches; other
            // rows (decodes, short prompts) the F16 form whatever else shares the pass, so a stream's results do not
            // depend on what runs beside it.
            long attended = 0;
            for (int i = 0; i < n; i++) attended += s.RowPositions[i] + 1;
            if (tiledRows > 0)
            {
                var tiled = new TiledAttentionJob(c, l, q, s.RowCaches, s.RowPositions, s.TiledBlocks, tiledBlocks, att, s.AttentionScratch, s.AttentionScratchFloats, _pool.Counters);
                _pool.Counters[0] = 0;
                _pool.Run(ref tiled, attended * c.HeadCount * c.HeadDim * 2);
            }
            if (tiledRows < n)
            {
                var attention = new AttentionJob(c, l, q, s.RowCaches, s.RowPositions, s.RowTiled, att, s.AttentionScratch, n);
                _pool.Run(ref attention, attended * c.HeadCount * c.HeadDim * 2);
            }

            // output projection and residual (gemma2: normed first)
            Multiply(layer.Output, att, xb, n);
            PostNorm(layer.PostAttentionNorm, xb, n);
            AddInPlace(x, xb, n * d);

            // ffn rmsnorm
            for (int i = 0; i < n; i++) RmsNorm.Apply(x + i * d, layer.FeedForwardNorm, xb + i * d, d, c.RmsEps);

            // ffn: down(act(gate(x)) * up(x)) and residual
            MatMul.MultiplyMany(_pool, xb, n, layer.Gate, gate, layer.Up, up);
            if (c.Activation == FeedForwardActivation.Gelu) GeGlu.Apply(gate, up, n * ff);
            else SwiGlu.Apply(gate, up, n * ff);
            Multiply(layer.Down, gate, xb, n);
            PostNorm(layer.PostFeedForwardNorm, xb, n);
            AddInPlace(x, xb, n * d);
        }

        // final rmsnorm and classifier, only for the rows whose logits are wanted (gathered into xb's first rows)
        int m = logitRows.Length;
        if (m == 0) return;
        for (int j = 0; j < m; j++) RmsNorm.Apply(x + logitRows[j] * d, w.OutputNorm, xb + j * d, d, c.RmsEps);
        Multiply(w.Output, xb, logits, m);
        if (c.FinalSoftcap != 0) SoftCap(logits, (long)m * c.VocabSize, c.FinalSoftcap);

        void PostNorm(float* norm, float* y, int rows)
        {
            if (norm == null) return;
            for (int i = 0; i < rows; i++) RmsNorm.Apply(y + i * d, norm, y + i * d, d, c.RmsEps);
        }
    }

    static void Scale(float* y, int count, float factor)
    {
        for (int i = 0; i < count; i++) y[i] *= factor;
    }

    /// <summary>cap * tanh(y / cap), as ggml's scale, tanh, scale.</summary>
    static void SoftCap(float* y, long count, float cap)
    {
        float inverse = 1f / cap;
        for (long i = 0; i < count; i++) y[i] = MathF.Tanh(y[i] * inverse) * cap;
    }

    void Multiply(in WeightMatrix m, float* x, float* y, int n) =>
        MatMul.Multiply(_pool, m, new ReadOnlySpan<float>(x, n * m.Cols), new Span<float>(y, n * m.Rows), n);

    static void AddBias(float* y, float* bias, int n, int width)
    {
        if (bias == null) return;
        for (int i = 0; i < n; i++) AddInPlace(y + i * width, bias, width);
    }

    static void AddInPlace(float* y, float* x, int count)
    {
        var ys = new Span<float>(y, count);
        var xs = new ReadOnlySpan<float>(x, count);
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int width = System.Numerics.Vector<float>.Count;
            for (; i <= count - width; i += width)
                (new System.Numerics.Vector<float>(ys[i..]) + new System.Numerics.Vector<float>(xs[i..])).CopyTo(ys[i..]);
        }
        for (; i < count; i++) ys[i] += xs[i];
    }

    /// <summary>
    /// Work items are (block of up to <see cref="Attention.MaxRows"/> rows, up to as many heads of one KV head),
    /// striped over the threads; each thread has its own scratch. Consecutive rows of a block that extend one cache
    /// at consecutive positions (a prompt's tokens) go through <see cref="Attention.Heads"/> together, one head at
    /// a time; a row on its own (decode) goes through it with the item's heads together. Either way the rows of
    /// one call share their key and value loads. Heads are grouped in equal chunks (a divisor of the group size),
    /// and only while that leaves two items per thread.
    /// </summary>
    readonly struct AttentionJob(ModelConfig c, int layer, float* q, InferenceState[] caches, int[] positions, bool[] tiledRows, float* output, float* scratch,
        int n) : IComputeJob
    {
        public void Execute(int thread, int threadCount)
        {
            int qDim = c.HeadCount * c.HeadDim, kvDim = c.KvDim, group = c.GroupSize, hd = c.HeadDim;
            const int maxRows = Attention.MaxRows;
            float scale = c.AttentionScale, softcap = c.AttentionSoftcap;
            // a sliding-window layer's row sees only the last `window` positions, its own included
            int window = c.IsSlidingLayer(layer) ? c.SlidingWindow : int.MaxValue;
            float* myScratch = scratch + thread * 2 * maxRows * hd;
            int blocks = (n + maxRows - 1) / maxRows, chunk = Math.Min(maxRows, group);
            while (chunk > 1 && (group % chunk != 0 || blocks * c.HeadCountKv * (group / chunk) < 2 * threadCount)) chunk--;
            int chunksPerKvHead = (group + chunk - 1) / chunk, chunks = c.HeadCountKv * chunksPerKvHead;
            for (int item = thread; item < blocks * chunks; item += threadCount)
            {
                int kvHead = item % chunks / chunksPerKvHead, firstHead = kvHead * group + item % chunksPerKvHead * chunk;
                int headCount = Math.Min(chunk, (kvHead + 1) * group - firstHead), kvOffset = kvHead * hd;
                int first = item / chunks * maxRows, end = Math.Min(n, first + maxRows);
                for (int i = first; i < end;)
                {
                    if (tiledRows[i]) { i++; continue; } // the tiled job's
                    int rows = 1;
                    // rows of one prompt go together, unless a window makes their first positions differ
                    while (window == int.MaxValue && i + rows < end && caches[i + rows] == caches[i] && positions[i + rows] == positions[i] + rows) rows++;
                    var cache = caches[i];
                    int start = Math.Max(0, positions[i] + 1 - window);
                    long skip = (long)start * kvDim;
                    Half* keys = cache.KeyCache(layer) + kvOffset + skip, values = cache.ValueCache(layer) + kvOffset + skip;
                    if (rows == 1)
                        Attention.Heads(q + i * qDim + firstHead * hd, hd, headCount, 0, keys, values, kvDim, positions[i] + 1 - start, hd, scale, myScratch,
                            output + i * qDim + firstHead * hd, hd, softcap);
                    else
                        for (int h = firstHead; h < firstHead + headCount; h++)
                            Attention.Heads(q + i * qDim + h * hd, qDim, rows, 1, keys, values, kvDim, positions[i] + 1, hd, scale, myScratch,
                                output + i * qDim + h * hd, qDim, softcap);
                    i += rows;
                }
            }
        }
    }

    /// <summary>
    /// The tiled rows' attention. Work items are (block of up to <see cref="TiledAttention.BlockRows"/> consecutive rows of one
    /// cache, KV head), handed out from a shared counter, last blocks (the longest) first; each thread has its own scratch.
    /// </summary>
    readonly struct TiledAttentionJob(ModelConfig c, int layer, float* q, InferenceState[] caches, int[] positions, int[] blocks, int blockCount,
        float* output, float* scratch, long scratchFloats, int* counter) : IComputeJob
    {
        public void Execute(int thread, int threadCount)
        {
            int qDim = c.HeadCount * c.HeadDim, kvDim = c.KvDim, group = c.GroupSize, hd = c.HeadDim;
            int window = c.IsSlidingLayer(layer) ? c.SlidingWindow : int.MaxValue;
            float* myScratch = scratch + thread * scratchFloats;
            int items = blockCount * c.HeadCountKv;
            while (true)
            {
                int item = Interlocked.Increment(ref *counter) - 1;
                if (item >= items) return;
                int block = blockCount - 1 - item / c.HeadCountKv, kvHead = item % c.HeadCountKv;
                int first = blocks[2 * block], rows = blocks[2 * block + 1];
                var cache = caches[first];
                int firstHead = kvHead * group;
                TiledAttention.Rows(q + first * qDim + firstHead * hd, qDim, rows, group, positions[first], window,
                    cache.KeyCache(layer) + kvHead * hd, cache.ValueCache(layer) + kvHead * hd, kvDim, hd, c.AttentionScale, c.AttentionSoftcap,
                    output + first * qDim + firstHead * hd, qDim, myScratch);
            }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (EvaluationLock) _pool.Dispose();
        GC.KeepAlive(_file);
    }
}
