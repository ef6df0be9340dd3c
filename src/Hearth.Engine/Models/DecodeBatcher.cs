using System.Diagnostics;

namespace Hearth.Engine.Models;

/// <summary>
/// Continuous batching across conversations: generations of one model queue here the tokens they need evaluated
/// (the next generated token, or a chunk of a new prompt), and one worker thread runs whatever is queued as a single
/// forward pass (<see cref="InferenceState.EvaluateBatch"/>). Decoding is bound by reading the weights, so N streams in
/// one pass cost little more than one; and a new conversation's prompt rides in the same passes as the running
/// streams' tokens instead of stalling them. A pass holds every queued decode and as much prompt as fits in
/// <see cref="InferenceState.MaxBatch"/> rows; a longer prompt continues in the next passes.
/// </summary>
public sealed class DecodeBatcher : IDisposable
{
    /// <summary>How long the worker waits for the streams of its last batch to queue their next token before it runs a smaller batch.</summary>
    static readonly TimeSpan GatherWait = TimeSpan.FromMilliseconds(2);

    readonly InferenceState _scratch;
    readonly float[] _logits;
    readonly int _maxParts;
    readonly object _gate = new();
    readonly List<Pending> _queue = [];
    readonly Thread _worker;
    int _lastDecodes;
    bool _disposed;

    /// <param name="maxBatch">The most conversations evaluated in one pass.</param>
    public DecodeBatcher(TransformerModel model, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _maxParts = maxBatch;
        int rows = Math.Max(maxBatch, InferenceState.MaxBatch);
        _scratch = model.CreateState(rows, rows);
        _logits = GC.AllocateUninitializedArray<float>(checked(maxBatch * model.Config.VocabSize));
        _worker = new Thread(Run) { IsBackground = true, Name = "hearth-decode" };
        _worker.Start();
    }

    /// <summary>Passes run so far and the generated tokens they decoded (their ratio is the mean decode batch size).</summary>
    public long Batches { get; private set; }
    public long Tokens { get; private set; }

    /// <summary>Prompt tokens evaluated in passes shared with other conversations.</summary>
    public long PromptTokens { get; private set; }

    /// <summary>Appends <paramref name="token"/> to <paramref name="state"/>'s cache; afterwards its <see cref="InferenceState.Logits"/> are the next token's.</summary>
    public Task DecodeAsync(InferenceState state, int token) => Enqueue(state, new[] { token }, decode: true, CancellationToken.None);

    /// <summary>
    /// Appends <paramref name="tokens"/> (a prompt, or a chunk of one) to <paramref name="state"/>'s cache, in passes
    /// shared with the other conversations; afterwards its <see cref="InferenceState.Logits"/> are the last token's.
    /// A cancelled request leaves the cache holding the chunks evaluated before it was seen.
    /// </summary>
    public Task EvaluateAsync(InferenceState state, ReadOnlyMemory<int> tokens, CancellationToken ct = default)
    {
        if (tokens.IsEmpty) throw new ArgumentException("At least one token is needed.", nameof(tokens));
        return Enqueue(state, tokens, decode: false, ct);
    }

    Task Enqueue(InferenceState state, ReadOnlyMemory<int> tokens, bool decode, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(state);
        var pending = new Pending(state, tokens, decode, ct);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _queue.Add(pending);
            Monitor.Pulse(_gate);
        }
        return pending.Done.Task;
    }

    void Run()
    {
        var batch = new List<Pending>(_maxParts);
        var parts = new BatchPart[_maxParts];
        while (true)
        {
            lock (_gate)
            {
                while (_queue.Count == 0 && !_disposed) Monitor.Wait(_gate);
                if (_disposed && _queue.Count == 0) return;
                // The streams of the last pass are sampling their next token: give them a moment to join this one.
                var waited = Stopwatch.StartNew();
                while (!_disposed && Decodes() < Math.Min(_lastDecodes, _maxParts))
                {
                    // (the time left is read once: checked, then read again, it could have turned negative, which Wait refuses)
                    var left = GatherWait - waited.Elapsed;
                    if (left <= TimeSpan.Zero) break;
                    Monitor.Wait(_gate, left);
                }
                Take(batch, parts);
            }
            if (batch.Count == 0) continue;

            try
            {
                InferenceState.EvaluateBatch(_scratch, parts.AsSpan(0, batch.Count), _logits);
                Batches++;
                for (int i = 0; i < batch.Count; i++)
                    if (batch[i].Decode) Tokens++;
                    else PromptTokens += parts[i].Tokens.Length;
                for (int i = 0; i < batch.Count; i++) Advance(batch[i], parts[i].Tokens.Length);
            }
            catch (Exception) when (batch.Count > 1)
            {
                // One bad member (a full cache, a disposed state, a state queued twice) must not fail the others:
                // evaluate them one by one, in order.
                for (int i = 0; i < batch.Count; i++) EvaluateAlone(batch[i], parts[i]);
            }
            catch (Exception e)
            {
                batch[0].Done.TrySetException(e);
            }
            Array.Clear(parts);
            batch.Clear();
        }
    }

    int Decodes()
    {
        int n = 0;
        foreach (var p in _queue) if (p.Decode) n++;
        return n;
    }

    /// <summary>
    /// This pass's members and their parts, in queue order (decodes before prompts so a long prompt cannot crowd them
    /// out): every decode, then prompts while rows are left, the last one cut to fit. Cancelled prompts leave the queue here.
    /// </summary>
    void Take(List<Pending> batch, BatchPart[] parts)
    {
        int rows = 0;
        for (int i = 0; i < _queue.Count && batch.Count < _maxParts; i++)
            if (_queue[i].Decode) Add(_queue[i], 1);
        _lastDecodes = batch.Count;
        for (int i = 0; i < _queue.Count && batch.Count < _maxParts && rows < _scratch.BatchCapacity; i++)
        {
            var p = _queue[i];
            if (p.Decode) continue;
            if (p.Cancellation.IsCancellationRequested) { p.Done.TrySetCanceled(p.Cancellation); continue; }
            Add(p, Math.Min(p.Remaining, _scratch.BatchCapacity - rows));
        }
        _queue.RemoveAll(p => batch.Contains(p) || p.Done.Task.IsCompleted);

        void Add(Pending p, int take)
        {
            parts[batch.Count] = new BatchPart(p.State, p.Tokens.Slice(p.Offset, take), WantLogits: take == p.Remaining);
            batch.Add(p);
            rows += take;
        }
    }

    /// <summary>Completes a member whose tokens are all in, or puts the rest of its prompt back at the head of the queue.</summary>
    void Advance(Pending p, int evaluated)
    {
        p.Offset += evaluated;
        if (p.Remaining == 0) { p.Done.TrySetResult(); return; }
        lock (_gate) _queue.Insert(0, p);
    }

    void EvaluateAlone(Pending p, BatchPart part)
    {
        try
        {
            InferenceState.EvaluateBatch(_scratch, [part], _logits);
            Advance(p, part.Tokens.Length);
        }
        catch (Exception e) { p.Done.TrySetException(e); }
    }

    /// <summary>Finishes what is queued, then stops the worker.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            Monitor.PulseAll(_gate);
        }
        _worker.Join();
        _scratch.Dispose();
    }

    sealed class Pending(InferenceState state, ReadOnlyMemory<int> tokens, bool decode, CancellationToken ct)
    {
        public InferenceState State { get; } = state;
        public ReadOnlyMemory<int> Tokens { get; } = tokens;
        public bool Decode { get; } = decode;
        public CancellationToken Cancellation { get; } = ct;
        /// <summary>Tokens of a prompt already evaluated.</summary>
        public int Offset { get; set; }
        public int Remaining => Tokens.Length - Offset;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
