using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hearth.Engine.Kernels;

namespace Hearth.Engine.Models;

/// <summary>
/// One conversation's KV cache plus the scratch buffers of the forward pass, all allocated once here so that
/// evaluation allocates nothing. The cache holds one K and one V row of KvDim halves per position and layer: F16 like
/// llama.cpp's default cache, converted as it converts them (so logits match llama.cpp's); attention widens them to
/// floats, which is exact.
/// <see cref="Tokens"/> says what the cache holds, so the next prompt only evaluates what is new: take
/// <see cref="CommonPrefixLength"/>, <see cref="Truncate"/> to it, and <see cref="Evaluate(ReadOnlySpan{int})"/> the rest.
/// </summary>
public sealed unsafe class InferenceState : IDisposable
{
    /// <summary>Tokens per forward pass when evaluating a long prompt: matmuls run over this many rows at once.</summary>
    public const int MaxBatch = 256;

    readonly TransformerModel _model;
    readonly List<int> _tokens = [];
    readonly int _batch;
    Half[][] _keyCache, _valueCache;
    float[] _logits;
    readonly float[] _buffers;
    bool _disposed;

    internal InferenceState(TransformerModel model, int contextLength, int maxBatch)
    {
        var c = model.Config;
        _model = model;
        ContextLength = contextLength;
        _batch = Math.Min(maxBatch, contextLength);

        long cacheHalves = (long)contextLength * c.KvDim;
        if (cacheHalves > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, $"A context of {contextLength} tokens is too large for one cache row block.");
        _keyCache = new Half[c.BlockCount][];
        _valueCache = new Half[c.BlockCount][];
        for (int l = 0; l < c.BlockCount; l++)
        {
            _keyCache[l] = GC.AllocateUninitializedArray<Half>((int)cacheHalves, pinned: true);
            _valueCache[l] = GC.AllocateUninitializedArray<Half>((int)cacheHalves, pinned: true);
        }
        _logits = GC.AllocateUninitializedArray<float>(c.VocabSize, pinned: true);

        AttentionScratchFloats = _batch >= TiledAttention.MinRows
            ? Math.Max(2 * Attention.MaxRows * c.HeadDim, TiledAttention.ScratchFloats(c.HeadDim, c.GroupSize))
            : 2 * Attention.MaxRows * c.HeadDim;

        // Scratch, carved out of one pinned block: activations for a batch of tokens, and attention scratch per thread.
        int qDim = c.HeadCount * c.HeadDim;
        long[] sizes =
        [
            (long)_batch * c.EmbeddingLength, (long)_batch * c.EmbeddingLength, (long)_batch * qDim, (long)_batch * c.KvDim,
            (long)_batch * c.KvDim, (long)_batch * qDim, (long)_batch * c.FeedForwardLength, (long)_batch * c.FeedForwardLength,
            (long)_batch * c.RopeDim, model.Threads * AttentionScratchFloats,
        ];
        _buffers = GC.AllocateUninitializedArray<float>(checked((int)sizes.Sum()), pinned: true);
        float* p = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffers));
        float* Next(long size) { float* at = p; p += size; return at; }
        X = Next(sizes[0]); Xb = Next(sizes[1]); Q = Next(sizes[2]); K = Next(sizes[3]); V = Next(sizes[4]);
        Att = Next(sizes[5]); Gate = Next(sizes[6]); Up = Next(sizes[7]); RopeAngles = Next(sizes[8]); AttentionScratch = Next(sizes[9]);
        RowCaches = new InferenceState[_batch];
        RowPositions = new int[_batch];
        RowTiled = new bool[_batch];
        TiledBlocks = new int[2 * _batch];
        RowTokens = new int[_batch];
        LogitRows = new int[_batch];
    }

    /// <summary>Positions the cache holds.</summary>
    public int ContextLength { get; }

    /// <summary>The tokens whose K/V are in the cache, in order.</summary>
    public IReadOnlyList<int> Tokens => _tokens;

    // ---- scratch for TransformerModel.Forward ----
    internal float* X, Xb, Q, K, V, Att, Gate, Up, RopeAngles, AttentionScratch;

    /// <summary>Floats of <see cref="AttentionScratch"/> per compute thread.</summary>
    internal long AttentionScratchFloats { get; }

    /// <summary>Per row of a pass: whether its attention takes the tiled form (its run of consecutive rows of one cache has 64 or more).</summary>
    internal readonly bool[] RowTiled;

    /// <summary>Those rows cut into blocks for the tiled attention: (first row, rows) pairs.</summary>
    internal readonly int[] TiledBlocks;

    /// <summary>Per row of a pass: whose cache it extends and at which position (this state's own, or other states' in a batched decode).</summary>
    internal readonly InferenceState[] RowCaches;
    internal readonly int[] RowPositions;
    /// <summary>Per row of a batched pass: its token; and the rows whose logits a pass wants, ascending.</summary>
    internal readonly int[] RowTokens, LogitRows;

    /// <summary>Rows one forward pass over this state's scratch can hold.</summary>
    internal int BatchCapacity => _batch;

    /// <summary>The logits after the last evaluated token (valid until the next evaluation of this state).</summary>
    public ReadOnlySpan<float> Logits => _logits;

    /// <summary>
    /// Decodes one token for each of several states of the same model in a single forward pass (batched decode
    /// across conversations). Afterwards each state's <see cref="Logits"/> hold its row's logits.
    /// </summary>
    /// <param name="scratch">A state of the same model whose buffers the pass uses (its own cache is untouched).</param>
    /// <param name="allLogits">Room for states.Length x VocabSize floats.</param>
    internal static void DecodeBatch(InferenceState scratch, ReadOnlySpan<InferenceState> states, ReadOnlySpan<int> tokens, Span<float> allLogits)
    {
        if (tokens.Length != states.Length)
            throw new ArgumentException($"A batch of {states.Length} states needs {states.Length} tokens.");
        var parts = new BatchPart[states.Length];
        for (int i = 0; i < parts.Length; i++) parts[i] = new BatchPart(states[i], new[] { tokens[i] }, WantLogits: true);
        EvaluateBatch(scratch, parts, allLogits);
    }

    /// <summary>
    /// One forward pass over several states' new tokens (continuous batching): each part appends its tokens to its
    /// state's cache (a decoded token, or a chunk of a prompt), and a part that wants logits gets its last token's in
    /// its state's <see cref="Logits"/>. The weights are read once for every row of every part.
    /// </summary>
    /// <param name="scratch">A state of the same model whose buffers the pass uses (its own cache is untouched); it holds
    /// <see cref="BatchCapacity"/> rows in all.</param>
    /// <param name="logitsBuffer">Room for VocabSize floats per part that wants logits.</param>
    internal static void EvaluateBatch(InferenceState scratch, ReadOnlySpan<BatchPart> parts, Span<float> logitsBuffer)
    {
        var model = scratch._model;
        int vocab = model.Config.VocabSize, rows = 0, wanted = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            var (state, tokens, wantLogits) = parts[i];
            ObjectDisposedException.ThrowIf(state._disposed, state);
            if (state._model != model) throw new ArgumentException("Every state of a batch must belong to the scratch state's model.", nameof(parts));
            if (tokens.IsEmpty) throw new ArgumentException("Every part of a batch needs at least one token.", nameof(parts));
            if (state._tokens.Count + tokens.Length > state.ContextLength)
                throw new ContextOverflowException(state._tokens.Count + tokens.Length, 0, state.ContextLength);
            foreach (int t in tokens.Span)
                if ((uint)t >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(parts), t, $"Token ids run from 0 to {vocab - 1}.");
            for (int j = 0; j < i; j++)
                if (parts[j].State == state) throw new ArgumentException("A state can appear only once in a batch.", nameof(parts));
            rows += tokens.Length;
            if (wantLogits) wanted++;
        }
        if (rows > scratch._batch || logitsBuffer.Length < (long)wanted * vocab)
            throw new ArgumentException($"A batch of {rows} rows needs at most {scratch._batch} rows and {(long)wanted * vocab} logits.");

        lock (model.EvaluationLock)
        {
            int row = 0, logitRows = 0;
            foreach (var (state, tokens, wantLogits) in parts)
            {
                var span = tokens.Span;
                for (int t = 0; t < span.Length; t++, row++)
                    (scratch.RowCaches[row], scratch.RowPositions[row], scratch.RowTokens[row]) = (state, state._tokens.Count + t, span[t]);
                if (wantLogits) scratch.LogitRows[logitRows++] = row - 1;
            }
            fixed (float* logits = logitsBuffer)
                model.ForwardRows(scratch, scratch.RowTokens.AsSpan(0, rows), logits, scratch.LogitRows.AsSpan(0, logitRows));
            int next = 0;
            foreach (var (state, tokens, wantLogits) in parts)
            {
                if (wantLogits) logitsBuffer.Slice(next++ * vocab, vocab).CopyTo(state._logits);
                state._tokens.AddRange(tokens.Span);
            }
            Array.Clear(scratch.RowCaches);
        }
    }

    internal Half* KeyCache(int layer) => (Half*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_keyCache[layer]));
    internal Half* ValueCache(int layer) => (Half*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_valueCache[layer]));

    /// <summary>Converts n rows of K and V to F16 into the cache of <paramref name="layer"/> at positions pos..pos+n-1.</summary>
    internal void Store(int layer, int pos, float* k, float* v, int n)
    {
        int kvDim = _model.Config.KvDim;
        if ((long)(pos + n) * kvDim > _keyCache[layer].Length) throw new ArgumentOutOfRangeException(nameof(n));
        Attention.ToHalf(k, KeyCache(layer) + (long)pos * kvDim, n * kvDim);
        Attention.ToHalf(v, ValueCache(layer) + (long)pos * kvDim, n * kvDim);
    }

    /// <summary>How many leading tokens of <paramref name="tokens"/> the cache already holds.</summary>
    public int CommonPrefixLength(IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        int n = Math.Min(tokens.Count, _tokens.Count), i = 0;
        while (i < n && tokens[i] == _tokens[i]) i++;
        return i;
    }

    /// <summary>Forgets the cache entries from position <paramref name="length"/> on.</summary>
    public void Truncate(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (length < 0 || length > _tokens.Count)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"The cache holds {_tokens.Count} tokens.");
        _tokens.RemoveRange(length, _tokens.Count - length);
    }

    /// <summary>
    /// Runs the tokens through the model after those already cached and returns the last token's logits
    /// (<see cref="ModelConfig.VocabSize"/> floats, valid until the next call).
    /// </summary>
    /// <exception cref="ContextOverflowException">The cache cannot hold the tokens.</exception>
    public ReadOnlySpan<float> Evaluate(scoped ReadOnlySpan<int> tokens)
    {
        fixed (float* logits = _logits) Run(tokens, logits, allLogits: false);
        return _logits;
    }

    /// <summary>Like <see cref="Evaluate(ReadOnlySpan{int})"/>, writing the logits of every token (tokens.Length x VocabSize).</summary>
    public void Evaluate(ReadOnlySpan<int> tokens, Span<float> allLogits)
    {
        long need = (long)tokens.Length * _model.Config.VocabSize;
        if (allLogits.Length < need)
            throw new ArgumentException($"{tokens.Length} tokens need {need} logits, but the buffer holds {allLogits.Length}.", nameof(allLogits));
        fixed (float* logits = allLogits) Run(tokens, logits, allLogits: true);
    }

    void Run(ReadOnlySpan<int> tokens, float* logits, bool allLogits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (tokens.IsEmpty) throw new ArgumentException("At least one token is needed.", nameof(tokens));
        if (_tokens.Count + tokens.Length > ContextLength)
            throw new ContextOverflowException(_tokens.Count + tokens.Length, 0, ContextLength);
        int vocab = _model.Config.VocabSize;
        foreach (int t in tokens)
            if ((uint)t >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(tokens), t, $"Token ids run from 0 to {vocab - 1}.");

        lock (_model.EvaluationLock)
        {
            for (int start = 0; start < tokens.Length; start += _batch)
            {
                var chunk = tokens.Slice(start, Math.Min(_batch, tokens.Length - start));
                bool last = start + chunk.Length == tokens.Length;
                // Only the final chunk's last token needs logits, unless all are wanted.
                float* chunkLogits = allLogits ? logits + (long)start * vocab : last ? logits : null;
                _model.Forward(this, chunk, _tokens.Count, chunkLogits, allLogits);
                foreach (int t in chunk) _tokens.Add(t);
            }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _keyCache = [];
        _valueCache = [];
        _logits = [];
    }
}

/// <summary>One state's share of a batched pass: tokens to append to its cache, and whether its last token's logits are wanted.</summary>
internal readonly record struct BatchPart(InferenceState State, ReadOnlyMemory<int> Tokens, bool WantLogits);
