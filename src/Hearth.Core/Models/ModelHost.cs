namespace Hearth.Core.Models;

/// <summary>Settings of <see cref="ModelHost{TModel}"/>.</summary>
public sealed record ModelHostOptions
{
    /// <summary>Models kept in memory at once (HEARTH_MAX_LOADED_MODELS); loading one more unloads the least recently used idle one.</summary>
    public int MaxLoaded { get; init; } = 1;

    /// <summary>How long an idle model stays loaded when a request does not say (Ollama's default: 5 minutes).</summary>
    public TimeSpan DefaultKeepAlive { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often idle models are checked for expiry.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Reads HEARTH_MAX_LOADED_MODELS and HEARTH_KEEP_ALIVE (e.g. "5m", "-1").</summary>
    public static ModelHostOptions FromEnvironment()
    {
        var options = new ModelHostOptions();
        if (int.TryParse(Environment.GetEnvironmentVariable("HEARTH_MAX_LOADED_MODELS"), out var max) && max > 0)
            options = options with { MaxLoaded = max };
        if (Environment.GetEnvironmentVariable("HEARTH_KEEP_ALIVE") is { Length: > 0 } keep)
            options = options with { DefaultKeepAlive = KeepAlive.Parse(keep) };
        return options;
    }
}

/// <summary>A loaded model as <c>hearth ps</c> shows it.</summary>
/// <param name="ExpiresAt">When it unloads if nobody uses it; null while in use or when kept forever.</param>
public sealed record LoadedModelInfo(string Key, bool Loading, int InUse, DateTimeOffset LoadedAt, DateTimeOffset LastUsed, DateTimeOffset? ExpiresAt);

/// <summary>What the storage and status code need from a model host, whatever the model type.</summary>
public interface ILoadedModels
{
    bool IsLoaded(string key);
    IReadOnlyList<LoadedModelInfo> Loaded { get; }
}

/// <summary>
/// The lifetime of loaded models, independent of the engine: at most <see cref="ModelHostOptions.MaxLoaded"/> in
/// memory, idle ones unloaded after their keep-alive, concurrent requests for one model sharing one load, and a model
/// never unloaded while a lease on it is held. <typeparamref name="TModel"/> is disposed (async if it can) on unload.
/// </summary>
public sealed class ModelHost<TModel> : ILoadedModels, IAsyncDisposable where TModel : class
{
    readonly Func<string, CancellationToken, Task<TModel>> _load;
    readonly ModelHostOptions _options;
    readonly TimeProvider _time;
    readonly SemaphoreSlim _gate = new(1, 1);
    readonly List<Slot> _slots = [];
    readonly CancellationTokenSource _disposed = new();
    readonly ITimer _sweeper;
    TaskCompletionSource _released = NewSignal();

    public ModelHost(Func<string, CancellationToken, Task<TModel>> load, ModelHostOptions? options = null, TimeProvider? time = null)
    {
        _load = load;
        _options = options ?? new ModelHostOptions();
        if (_options.MaxLoaded < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxLoaded must be at least 1.");
        _time = time ?? TimeProvider.System;
        _sweeper = _time.CreateTimer(_ => _ = SweepAsync(), null, _options.SweepInterval, _options.SweepInterval);
    }

    /// <summary>Raised after a model is unloaded, with the reason ("idle", "make room", "unload").</summary>
    public event Action<string, string>? Unloaded;

    /// <summary>
    /// Gets a model, loading it if needed, and holds it until the lease is disposed. <paramref name="keepAlive"/> (as
    /// Ollama's keep_alive) sets how long it stays loaded after the last lease: zero unloads at once, negative never.
    /// </summary>
    public async Task<ModelLease<TModel>> AcquireAsync(string key, TimeSpan? keepAlive = null, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        Slot slot;
        while (true)
        {
            Task waitForRelease;
            await _gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var existing = _slots.Find(s => s.Key == key);
                if (existing is not null)
                {
                    slot = existing;
                    Hold(slot, keepAlive);
                    break;
                }
                if (_slots.Count < _options.MaxLoaded || await UnloadOneIdleAsync().ConfigureAwait(false))
                {
                    slot = new Slot(key, _time.GetUtcNow());
                    Hold(slot, keepAlive);
                    slot.Load = Task.Run(() => _load(key, _disposed.Token), _disposed.Token);
                    lock (_slots) _slots.Add(slot);
                    break;
                }
                waitForRelease = _released.Task; // every model is in use: wait for a lease to end
            }
            finally { _gate.Release(); }
            await waitForRelease.WaitAsync(ct).ConfigureAwait(false);
        }

        try
        {
            var model = await slot.Load!.WaitAsync(ct).ConfigureAwait(false);
            return new ModelLease<TModel>(key, model, this, slot);
        }
        catch (Exception e)
        {
            await ReleaseAsync(slot, failed: e is not OperationCanceledException || slot.Load!.IsFaulted || slot.Load.IsCanceled).ConfigureAwait(false);
            throw;
        }
    }

    public bool IsLoaded(string key)
    {
        lock (_slots) return _slots.Exists(s => s.Key == key);
    }

    public IReadOnlyList<LoadedModelInfo> Loaded
    {
        get
        {
            lock (_slots)
                return _slots.Select(s => new LoadedModelInfo(s.Key, !s.Load!.IsCompletedSuccessfully, s.InUse, s.LoadedAt, s.LastUsed,
                    s.InUse > 0 || s.KeepAlive < TimeSpan.Zero ? null : s.LastUsed + s.KeepAlive)).ToList();
        }
    }

    /// <summary>Unloads a model now if it is idle, or as soon as its last lease ends. False when it is not loaded.</summary>
    public async Task<bool> UnloadAsync(string key, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var slot = _slots.Find(s => s.Key == key);
            if (slot is null) return false;
            slot.KeepAlive = TimeSpan.Zero;
            if (slot.InUse == 0) await UnloadAsync(slot, "unload").ConfigureAwait(false);
            return true;
        }
        finally { _gate.Release(); }
    }

    /// <summary>Unloads every idle model whose keep-alive has run out. Runs on a timer; callable directly.</summary>
    public async Task SweepAsync()
    {
        if (_disposed.IsCancellationRequested) return;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            foreach (var slot in _slots.Where(s => s.InUse == 0 && s.KeepAlive >= TimeSpan.Zero && s.LastUsed + s.KeepAlive <= now).ToList())
                await UnloadAsync(slot, "idle").ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    internal async ValueTask ReleaseAsync(Slot slot, bool failed = false)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            lock (_slots)
            {
                slot.InUse--;
                slot.LastUsed = _time.GetUtcNow();
            }
            if (slot.InUse == 0 && _slots.Contains(slot) && (failed || slot.KeepAlive == TimeSpan.Zero))
                await UnloadAsync(slot, failed ? "load failed" : "keep_alive 0").ConfigureAwait(false);
            var released = _released;
            _released = NewSignal();
            released.TrySetResult();
        }
        finally { _gate.Release(); }
    }

    void Hold(Slot slot, TimeSpan? keepAlive)
    {
        lock (_slots)
        {
            slot.InUse++;
            slot.KeepAlive = keepAlive ?? _options.DefaultKeepAlive;
            slot.LastUsed = _time.GetUtcNow();
        }
    }

    // Caller holds _gate.
    async Task<bool> UnloadOneIdleAsync()
    {
        var victim = _slots.Where(s => s.InUse == 0).OrderBy(s => s.LastUsed).FirstOrDefault();
        if (victim is null) return false;
        await UnloadAsync(victim, "make room").ConfigureAwait(false);
        return true;
    }

    // Caller holds _gate.
    async Task UnloadAsync(Slot slot, string reason)
    {
        lock (_slots) _slots.Remove(slot);
        try
        {
            var model = await slot.Load!.ConfigureAwait(false);
            switch (model)
            {
                case IAsyncDisposable d: await d.DisposeAsync().ConfigureAwait(false); break;
                case IDisposable d: d.Dispose(); break;
            }
        }
        catch (Exception) when (slot.Load!.IsFaulted || slot.Load.IsCanceled) { }
        Unloaded?.Invoke(slot.Key, reason);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested) return;
        _disposed.Cancel();
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var slot in _slots.ToList()) await UnloadAsync(slot, "shutdown").ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal sealed class Slot(string key, DateTimeOffset loadedAt)
    {
        public string Key { get; } = key;
        public DateTimeOffset LoadedAt { get; } = loadedAt;
        public Task<TModel>? Load { get; set; }
        public int InUse { get; set; }
        public TimeSpan KeepAlive { get; set; }
        public DateTimeOffset LastUsed { get; set; }
    }
}

/// <summary>A hold on a loaded model; dispose it when the request is done so the model can idle out.</summary>
public sealed class ModelLease<TModel> : IAsyncDisposable, IDisposable where TModel : class
{
    readonly ModelHost<TModel> _host;
    readonly ModelHost<TModel>.Slot _slot;
    int _released;

    internal ModelLease(string key, TModel model, ModelHost<TModel> host, ModelHost<TModel>.Slot slot)
    {
        Key = key;
        Model = model;
        _host = host;
        _slot = slot;
    }

    public string Key { get; }
    public TModel Model { get; }

    public ValueTask DisposeAsync() =>
        Interlocked.Exchange(ref _released, 1) == 0 ? _host.ReleaseAsync(_slot) : ValueTask.CompletedTask;

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
