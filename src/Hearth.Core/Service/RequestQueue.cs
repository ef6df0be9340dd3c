using Hearth.Core.OpenAI;
using Hearth.Core.Telemetry;

namespace Hearth.Core.Service;

/// <summary>
/// Bounds the work in flight: at most <paramref name="maxConcurrent"/> generations run, at most
/// <paramref name="maxQueued"/> wait; anything more is refused at once with 429 and Retry-After.
/// </summary>
public sealed class RequestQueue(int maxConcurrent, int maxQueued, HearthMetrics metrics)
{
    readonly SemaphoreSlim _slots = new(maxConcurrent, maxConcurrent);
    int _waiting;

    /// <summary>Waits for a slot; dispose the result to give it back. Throws 429 when the queue is full.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        if (_slots.Wait(0)) return new Slot(_slots);
        if (Interlocked.Increment(ref _waiting) > maxQueued)
        {
            Interlocked.Decrement(ref _waiting);
            throw ApiException.Busy(retryAfterSeconds: 1);
        }
        metrics.QueuedChanged(+1);
        try
        {
            await _slots.WaitAsync(cancellationToken);
            return new Slot(_slots);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
            metrics.QueuedChanged(-1);
        }
    }

    sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        int _released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release();
        }
    }
}
