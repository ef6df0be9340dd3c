using System.Diagnostics;

namespace Hearth.Engine.Models;

/// <summary>
/// Batched decode across conversations: generations of one model that each need their next token evaluated queue
/// here, and one worker thread runs whatever is queued as a single forward pass (<see cref="InferenceState.DecodeBatch"/>).
/// Decoding is bound by reading the weights, so N streams in one pass cost little more than one.
/// </summary>
public sealed class DecodeBatcher : IDisposable
{
    /// <summary>How long the worker waits for the streams of its last batch to queue their next token before it runs a smaller batch.</summary>
    static readonly TimeSpan GatherWait = TimeSpan.FromMilliseconds(2);

    readonly InferenceState _scratch;
    readonly float[] _logits;
    readonly int _maxBatch;
    readonly object _gate = new();
    readonly Queue<Pending> _queue = new();
    readonly Thread _worker;
    int _lastBatch;
    bool _disposed;

    /// <param name="maxBatch">The most conversations decoded in one pass.</param>
    public DecodeBatcher(TransformerModel model, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _maxBatch = maxBatch;
        _scratch = model.CreateState(maxBatch, maxBatch);
        _logits = GC.AllocateUninitializedArray<float>(checked(maxBatch * model.Config.VocabSize));
        _worker = new Thread(Run) { IsBackground = true, Name = "hearth-decode" };
        _worker.Start();
    }

    /// <summary>Passes run so far and the tokens they decoded (their ratio is the mean batch size).</summary>
    public long Batches { get; private set; }
    public long Tokens { get; private set; }

    /// <summary>Appends <paramref name="token"/> to <paramref name="state"/>'s cache; afterwards its <see cref="InferenceState.Logits"/> are the next token's.</summary>
    public Task DecodeAsync(InferenceState state, int token)
    {
        ArgumentNullException.ThrowIfNull(state);
        var pending = new Pending(state, token);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _queue.Enqueue(pending);
            Monitor.Pulse(_gate);
        }
        return pending.Done.Task;
    }

    void Run()
    {
        var batch = new List<Pending>(_maxBatch);
        var states = new InferenceState[_maxBatch];
        var tokens = new int[_maxBatch];
        while (true)
        {
            lock (_gate)
            {
                while (_queue.Count == 0 && !_disposed) Monitor.Wait(_gate);
                if (_disposed && _queue.Count == 0) return;
                // The streams of the last pass are sampling their next token: give them a moment to join this one.
                var waited = Stopwatch.StartNew();
                while (!_disposed && _queue.Count < Math.Min(_lastBatch, _maxBatch) && waited.Elapsed < GatherWait)
                    Monitor.Wait(_gate, GatherWait - waited.Elapsed);
                while (_queue.Count > 0 && batch.Count < _maxBatch) batch.Add(_queue.Dequeue());
                _lastBatch = batch.Count;
            }

            try
            {
                for (int i = 0; i < batch.Count; i++) (states[i], tokens[i]) = (batch[i].State, batch[i].Token);
                InferenceState.DecodeBatch(_scratch, states.AsSpan(0, batch.Count), tokens.AsSpan(0, batch.Count), _logits);
                Batches++;
                Tokens += batch.Count;
                foreach (var p in batch) p.Done.TrySetResult();
            }
            catch (Exception) when (batch.Count > 1)
            {
                // One bad member (a full cache, a disposed state, a state queued twice) must not fail the others:
                // decode them one by one, in order.
                foreach (var p in batch) DecodeAlone(p, states, tokens);
            }
            catch (Exception e)
            {
                batch[0].Done.TrySetException(e);
            }
            Array.Clear(states);
            batch.Clear();
        }
    }

    void DecodeAlone(Pending p, InferenceState[] states, int[] tokens)
    {
        try
        {
            (states[0], tokens[0]) = (p.State, p.Token);
            InferenceState.DecodeBatch(_scratch, states.AsSpan(0, 1), tokens.AsSpan(0, 1), _logits);
            p.Done.TrySetResult();
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

    sealed class Pending(InferenceState state, int token)
    {
        public InferenceState State { get; } = state;
        public int Token { get; } = token;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
