using Hearth.Engine.Models;

namespace Hearth.Engine.Chat;

/// <summary>
/// The KV caches of one model, one per generation running at once. A generation takes the free cache that shares
/// the longest prefix with its prompt, so a conversation's next turn finds its history still cached. When no free
/// cache shares at least half of what it holds, a new cache is made (up to the capacity) rather than overwrite
/// another conversation's history; at capacity, the least recently used free cache is reused.
/// </summary>
sealed class CacheSlots(TransformerModel model, int contextLength, int capacity) : IDisposable
{
    readonly SemaphoreSlim _free = new(capacity, capacity);
    readonly List<Slot> _slots = [];
    long _clock;
    bool _disposed;

    public async Task<InferenceState> AcquireAsync(IReadOnlyList<int> prompt, CancellationToken ct)
    {
        await _free.WaitAsync(ct).ConfigureAwait(false);
        lock (_slots)
        {
            if (_disposed) { _free.Release(); throw new ObjectDisposedException(nameof(ChatModel)); }
            Slot? best = null, oldest = null;
            var bestPrefix = -1;
            foreach (var slot in _slots)
            {
                if (slot.Busy) continue;
                var prefix = slot.State.CommonPrefixLength(prompt);
                if (prefix > bestPrefix) (best, bestPrefix) = (slot, prefix);
                if (oldest is null || slot.LastUsed < oldest.LastUsed) oldest = slot;
            }
            var keepsHistory = best is not null && 2 * bestPrefix >= best.State.Tokens.Count;
            try { best = keepsHistory ? best : _slots.Count < capacity ? Add() : oldest!; }
            catch { _free.Release(); throw; }
            best!.Busy = true;
            best.LastUsed = ++_clock;
            return best.State;
        }
    }

    public void Release(InferenceState state)
    {
        lock (_slots)
        {
            foreach (var slot in _slots)
                if (slot.State == state) slot.Busy = false;
        }
        _free.Release();
    }

    Slot Add()
    {
        // Only the cache: every pass runs through the decode batcher's scratch, so a slot's own holds a single row.
        var slot = new Slot(model.CreateState(contextLength, maxBatch: 1));
        _slots.Add(slot);
        return slot;
    }

    /// <summary>Waits for running generations to give their caches back, then frees every cache.</summary>
    public void Dispose()
    {
        lock (_slots)
        {
            if (_disposed) return;
            _disposed = true;
        }
        for (int i = 0; i < capacity; i++) _free.Wait();
        lock (_slots) foreach (var slot in _slots) slot.State.Dispose();
    }

    sealed class Slot(InferenceState state)
    {
        public InferenceState State { get; } = state;
        public bool Busy { get; set; }
        public long LastUsed { get; set; }
    }
}
