using System.Collections.Concurrent;
using Hearth.Core.Jobs;

namespace Hearth.Core.Models;

/// <summary>
/// Finds, fetches, keeps and drops model files: the one place the CLI and the server go through. Names are
/// resolved against the catalog, the Hub and the disk; downloads resume, verify, respect the quota, share one
/// transfer per file and run at most <see cref="ModelOptions.MaxParallelDownloads"/> at once.
/// </summary>
public sealed class ModelManager : IDisposable
{
    readonly HttpClient _http;
    readonly bool _ownsHttp;
    readonly bool _ownsJobs;
    readonly FileDownloader _downloader;
    readonly SemaphoreSlim _parallel;
    readonly ConcurrentDictionary<string, SharedDownload> _inflight = new(StringComparer.Ordinal);

    public ModelManager(ModelOptions options, ModelCatalog? catalog = null, HttpClient? http = null, JobManager? jobs = null, TimeProvider? time = null)
    {
        Options = options;
        Catalog = catalog ?? ModelCatalog.Default;
        _ownsHttp = http is null;
        _http = http ?? HubClient.CreateHttpClient();
        Hub = new HubClient(_http, options.HubEndpoint, options.HubToken);
        Store = new ModelStore(options.ModelsDir, options.QuotaBytes, time);
        _ownsJobs = jobs is null;
        Jobs = jobs ?? new JobManager(time);
        _downloader = new FileDownloader(Hub, options);
        _parallel = new SemaphoreSlim(Math.Max(1, options.MaxParallelDownloads));
    }

    public ModelOptions Options { get; }
    public ModelCatalog Catalog { get; }
    public ModelStore Store { get; }
    public JobManager Jobs { get; }
    public HubClient Hub { get; }

    /// <summary>Tells whether a model file is loaded right now (wire it to <see cref="ModelHost{TModel}.IsLoaded"/>); such files are never evicted.</summary>
    public Func<string, bool> IsInUse { get; set; } = _ => false;

    /// <summary>Free memory; replaceable so that the fit check can be tested.</summary>
    public Func<long> AvailableMemory { get; set; } = MemoryEstimate.AvailableBytes;

    public ModelReference Parse(string name) => ModelReference.Parse(name, Catalog);

    /// <summary>The model if it is already on this machine, without touching the network; null otherwise.</summary>
    public LocalModel? FindLocal(string name)
    {
        var reference = Parse(name);
        switch (reference.Kind)
        {
            case ModelSourceKind.LocalFile:
                return new LocalModel(name, reference.LocalPath!, new FileInfo(reference.LocalPath!).Length);
            case ModelSourceKind.HubQuant:
                var match = Store.List().Where(m => m.Repo.Equals(reference.Repo, StringComparison.OrdinalIgnoreCase))
                    .FirstOrDefault(m => ModelReference.PickQuantFile([m.File], reference.Quant!) is not null);
                return match is null ? null : new LocalModel(name, Store.PathFor(match.Key), match.Size, match.Key);
            default:
                if (reference.File is null) return null;
                var key = StoredModel.KeyFor(reference.Repo!, reference.Revision, reference.File);
                return Store.Find(key) is { } stored ? new LocalModel(name, Store.PathFor(key), stored.Size, key, reference.Entry) : null;
        }
    }

    /// <summary>
    /// Makes the model available locally, downloading it if needed, and returns its file. Concurrent pulls of one
    /// file share one download; cancelling one caller's token detaches that caller (the download stops when none is left).
    /// </summary>
    public async Task<LocalModel> PullAsync(string name, IProgress<ProgressEvent>? progress = null, CancellationToken ct = default)
    {
        var reference = Parse(name);
        if (reference.Kind == ModelSourceKind.LocalFile)
            return new LocalModel(name, reference.LocalPath!, new FileInfo(reference.LocalPath!).Length);
        if (reference.Entry is { Runtime: ModelRuntime.WebLlm } web)
            throw new ModelException($"{web.Id} is a WebLLM build: the browser fetches it itself. On this machine use "
                                     + $"{Catalog.ForRuntime(ModelRuntime.Gguf).FirstOrDefault(e => e.Name == web.Name)?.Id ?? Catalog.DefaultModel.Id}.");
        var file = reference.File;
        if (reference.Kind == ModelSourceKind.HubQuant)
        {
            if (FindLocal(name) is { } cached) { Store.Touch(cached.Key!); return cached; }
            var meter = new ProgressMeter(progress);
            meter.Report(ProgressPhase.Resolving, text: $"looking for {reference.Quant} in {reference.Repo}");
            var files = await Transient.RetryAsync(t => Hub.ListFilesAsync(reference.Repo!, reference.Revision, t),
                $"listing {reference.Repo}", Options, meter, ct).ConfigureAwait(false);
            file = ModelReference.PickQuantFile(files, reference.Quant!)
                   ?? throw new ModelNotFoundException($"{reference.Repo} has no {reference.Quant} GGUF. It has: "
                                                      + string.Join(", ", files.Where(f => f.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))) + ".");
        }
        var key = StoredModel.KeyFor(reference.Repo!, reference.Revision, file!);
        if (Store.Find(key) is { } stored)
        {
            Store.Touch(key);
            return new LocalModel(name, Store.PathFor(key), stored.Size, key, reference.Entry);
        }

        var request = new FileRequest(reference.Repo!, reference.Revision, file!, reference.Entry?.Sha256, reference.Entry);
        while (true)
        {
            var shared = _inflight.GetOrAdd(key, _ => new SharedDownload(this, request));
            if (!shared.TryJoin(progress)) { _inflight.TryRemove(new(key, shared)); continue; }
            var model = await shared.WaitAsync(progress, ct).ConfigureAwait(false);
            return model with { Name = name };
        }
    }

    /// <summary>
    /// What a load needs before the engine runs: refuses a catalog model that will not fit before downloading it,
    /// pulls, then checks the file itself. <paramref name="freeableBytes"/> is memory that unloading idle models would free.
    /// </summary>
    public async Task<LocalModel> PrepareAsync(string name, int? contextLength = null, long freeableBytes = 0,
        IProgress<ProgressEvent>? progress = null, CancellationToken ct = default)
    {
        if (Parse(name).Entry is { Runtime: ModelRuntime.Gguf, SizeBytes: { } size } entry)
            EnsureFits(new LocalModel(name, "", size, Entry: entry), contextLength, freeableBytes);
        var model = await PullAsync(name, progress, ct).ConfigureAwait(false);
        EnsureFits(model, contextLength, freeableBytes);
        return model;
    }

    /// <summary>Starts a pull as a job (or returns the running job pulling the same name) so that it outlives its client.</summary>
    public JobInfo StartPull(string name)
    {
        Parse(name); // bad names fail here, not inside the job
        return Jobs.Start("pull", name, async context =>
            await PullAsync(name, context.Progress, context.CancellationToken).ConfigureAwait(false),
            dedupeKey: "pull:" + name.Trim().ToLowerInvariant());
    }

    /// <summary>Every model in the cache, most recently used first.</summary>
    public IReadOnlyList<StoredModel> List() => Store.List();

    /// <summary>Deletes a model from the cache by name or key; refuses one that is loaded. False when it was not there.</summary>
    public bool Remove(string name)
    {
        var key = Store.Find(name)?.Key ?? FindLocal(name)?.Key;
        if (key is null)
        {
            var reference = Parse(name);
            if (reference.File is null) return false;
            key = StoredModel.KeyFor(reference.Repo!, reference.Revision, reference.File);
        }
        if (IsInUse(Store.PathFor(key)))
            throw new ModelException($"{name} is loaded; unload it (or wait for it to go idle) before removing it.");
        return Store.Remove(key);
    }

    public StorageInfo GetStorageInfo() => Store.GetStorageInfo();

    /// <summary>Memory the model needs at <paramref name="contextLength"/> tokens (weights + KV cache + scratch).</summary>
    public long MemoryNeeded(LocalModel model, int? contextLength = null)
    {
        var ctx = contextLength ?? Catalog.DefaultContextLength;
        if (model.Entry?.Shape is { } shape)
            return MemoryEstimate.Total(model.Size, shape, Math.Min(ctx, model.Entry.ContextLength));
        var gguf = GgufShapeReader.Read(model.Path);
        return MemoryEstimate.Total(model.Size, gguf.Shape, Math.Min(ctx, gguf.ContextLength));
    }

    /// <summary>Whether a catalog model fits in this machine's free memory (the <c>compatible</c> flag of <c>/v1/models</c>).</summary>
    public bool IsCompatible(CatalogEntry entry, int? contextLength = null) =>
        entry.MemoryNeeded(contextLength ?? Catalog.DefaultContextLength) <= AvailableMemory();

    /// <summary>Throws <see cref="ModelTooLargeException"/>, naming a catalog model that fits, when this one does not.</summary>
    public void EnsureFits(LocalModel model, int? contextLength = null, long alreadyFreeable = 0)
    {
        var ctx = contextLength ?? Catalog.DefaultContextLength;
        var needed = MemoryNeeded(model, ctx);
        var available = AvailableMemory() + alreadyFreeable;
        if (needed <= available) return;
        var fits = Catalog.LargestThatFits(available, ModelRuntime.Gguf, ctx);
        throw new ModelTooLargeException(
            $"{model.Name} needs about {ByteSize.Format(needed)} of memory at a {ctx}-token context, but {ByteSize.Format(available)} is free. "
            + (fits is null ? "No catalog model fits; close other programs or use a shorter context."
                            : $"Try {fits.Id} (about {ByteSize.Format(fits.MemoryNeeded(ctx))}) or a shorter context."),
            needed, available, fits?.Id);
    }

    async Task<LocalModel> DownloadAsync(FileRequest request, IProgress<ProgressEvent> progress, CancellationToken ct)
    {
        var meter = new ProgressMeter(progress);
        var key = StoredModel.KeyFor(request.Repo, request.Revision, request.File);
        meter.Report(ProgressPhase.Resolving, text: $"waiting for a download slot for {request.File}");
        await _parallel.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            meter.Report(ProgressPhase.Resolving, text: $"{request.Repo}/{request.File}");
            var info = await Transient.RetryAsync(t => Hub.GetFileInfoAsync(request.Repo, request.Revision, request.File, t),
                $"{request.Repo}/{request.File}", Options, meter, ct).ConfigureAwait(false);
            var destination = Store.PathFor(key);
            var partial = new FileInfo(FileDownloader.PartialPath(destination));
            var size = info.Size ?? request.Entry?.SizeBytes ?? 0;
            foreach (var evicted in Store.EnsureSpace(size, m => IsInUse(Store.PathFor(m.Key)), key, partial.Exists ? partial.Length : 0))
                meter.Report(ProgressPhase.Evicting, evicted.Model.Size, null, evicted.Reason);
            var file = await _downloader.DownloadAsync(info, destination, request.Sha256, meter, ct).ConfigureAwait(false);
            Store.Add(request.Repo, request.Revision, request.File, file.Size, file.Sha256, request.Entry?.Id);
            meter.Report(ProgressPhase.Done, file.Size, file.Size,
                file.Verified ? $"{request.File}: sha256 verified" : $"{request.File}: no published sha256; size checked");
            return new LocalModel(request.File, destination, file.Size, key, request.Entry);
        }
        finally
        {
            Store.ReleaseSpace(key);
            _parallel.Release();
        }
    }

    public void Dispose()
    {
        if (_ownsJobs) Jobs.Dispose();
        if (_ownsHttp) _http.Dispose();
    }

    sealed record FileRequest(string Repo, string Revision, string File, string? Sha256, CatalogEntry? Entry);

    /// <summary>One download and everyone waiting on it; it is cancelled when the last waiter leaves.</summary>
    sealed class SharedDownload
    {
        readonly Lock _lock = new();
        readonly List<IProgress<ProgressEvent>> _listeners = [];
        readonly CancellationTokenSource _cancel = new();
        readonly Task<Task<LocalModel>> _task;
        readonly Task<LocalModel> _download;
        int _waiters;
        bool _closed;

        public SharedDownload(ModelManager owner, FileRequest request)
        {
            // Not started here: GetOrAdd may build an instance that loses the race, and that one must never run.
            var key = StoredModel.KeyFor(request.Repo, request.Revision, request.File);
            _task = new Task<Task<LocalModel>>(async () =>
            {
                try { return await owner.DownloadAsync(request, new Fanout(this), _cancel.Token).ConfigureAwait(false); }
                finally
                {
                    lock (_lock) _closed = true;
                    owner._inflight.TryRemove(new(key, this));
                }
            });
            _download = _task.Unwrap();
        }

        public bool TryJoin(IProgress<ProgressEvent>? progress)
        {
            lock (_lock)
            {
                if (_closed) return false;
                if (_waiters++ == 0 && _task.Status == TaskStatus.Created) _task.Start(TaskScheduler.Default);
                if (progress is not null) _listeners.Add(progress);
                return true;
            }
        }

        /// <summary>Waits for the download; the last waiter to leave stops it and returns only once it has stopped.</summary>
        public async Task<LocalModel> WaitAsync(IProgress<ProgressEvent>? progress, CancellationToken ct)
        {
            var stopped = false;
            try { return await _download.WaitAsync(ct).ConfigureAwait(false); }
            finally
            {
                lock (_lock)
                {
                    if (progress is not null) _listeners.Remove(progress);
                    if (--_waiters == 0 && !_download.IsCompleted) { _closed = true; _cancel.Cancel(); stopped = true; }
                }
                if (stopped)
                {
                    try { await _download.ConfigureAwait(false); } catch (Exception) { /* the caller sees its own cancellation */ }
                }
            }
        }

        sealed class Fanout(SharedDownload owner) : IProgress<ProgressEvent>
        {
            public void Report(ProgressEvent value)
            {
                IProgress<ProgressEvent>[] listeners;
                lock (owner._lock) listeners = owner._listeners.ToArray();
                foreach (var l in listeners) l.Report(value);
            }
        }
    }
}
