using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Hearth.Core.Models;
using Hearth.Engine.Chat;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Registry;

/// <summary>Loads a GGUF file into a chat client (the engine's <c>ChatModel.Load</c>, or a test double).</summary>
public delegate Task<IChatClient> ChatClientLoader(string modelId, string path, IProgress<ModelLoadProgress>? progress, CancellationToken cancellationToken);

/// <summary>
/// The models a server offers, and their lifetime. Names resolve to files through, in order: files served by id
/// (<see cref="AddFile"/>, <see cref="AddFolder"/>), then the <see cref="ModelManager"/> (catalog ids, cached
/// downloads, <c>hf.co/...</c> refs, local paths), downloading what is missing. Loaded models live in a
/// <see cref="ModelHost{TModel}"/>: concurrent requests share one load, idle models unload after their keep-alive,
/// and no model is unloaded while a client from <see cref="GetChatClientAsync"/> is still held.
/// </summary>
public sealed partial class ModelRegistry : IModelRegistry, IAsyncDisposable
{
    readonly ChatClientLoader _loader;
    readonly ModelManager? _manager;
    readonly ModelHost<IChatClient> _host;
    readonly ConcurrentDictionary<string, string> _files = new(StringComparer.Ordinal);
    readonly List<string> _folders = [];
    readonly ConcurrentDictionary<string, LoadedModel> _loaded = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, ProgressFanout> _progress = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, (DateTime Written, GgufShapeReader.GgufShape? Shape)> _shapes = new(StringComparer.Ordinal);

    /// <param name="manager">Catalog, cache and downloads; null serves only the files added here and local paths.</param>
    public ModelRegistry(ChatClientLoader loader, ModelManager? manager = null, ModelHostOptions? hostOptions = null, TimeProvider? time = null)
    {
        _loader = loader;
        _manager = manager;
        _host = new ModelHost<IChatClient>(LoadModelAsync, hostOptions, time);
        _host.Unloaded += (key, _reason) => _loaded.TryRemove(key, out _);
        if (manager is not null) manager.IsInUse = path => _loaded.Values.Any(m => m.Path == Path.GetFullPath(path));
    }

    /// <summary>The model clients get when they ask for <c>"default"</c>, listed first (hearth serve --model).</summary>
    public string? DefaultModel { get; set; }

    /// <summary>What <c>hearth ps</c> shows: loaded models, their use and when they expire.</summary>
    public ILoadedModels Host => _host;

    /// <summary>Serves one model file under an id of your choosing (default: the file name without .gguf).</summary>
    public ModelRegistry AddFile(string path, string? id = null)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"No model file at {full}.", full);
        _files[id ?? Path.GetFileNameWithoutExtension(full)] = full;
        return this;
    }

    /// <summary>Serves every *.gguf in a folder (looked up again on each listing, so new files appear).</summary>
    public ModelRegistry AddFolder(string folder)
    {
        lock (_folders) _folders.Add(Path.GetFullPath(folder));
        return this;
    }

    public Task<IReadOnlyList<ModelDescriptor>> ListAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<ModelDescriptor>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(ModelDescriptor d)
        {
            if (seen.Add(d.Id)) list.Add(d);
        }

        foreach (var (id, path) in Files().OrderBy(kv => kv.Key, StringComparer.Ordinal)) Add(DescribeFile(id, path, null));
        if (_manager is not null)
        {
            foreach (var entry in _manager.Catalog.ForRuntime(ModelRuntime.Gguf))
            {
                if (_loaded.TryGetValue(entry.Id, out var loaded)) { Add(DescribeFile(entry.Id, loaded.Path, entry)); continue; }
                var local = _manager.FindLocal(entry.Id);
                Add(local is not null ? DescribeFile(entry.Id, local.Path, entry)
                    : new ModelDescriptor(entry.Id, entry.SizeBytes ?? 0, entry.Quantization, false, false, _manager.IsCompatible(entry),
                        Math.Min(entry.ContextLength, ChatModelOptions.DefaultMaxContext), 0, Owner(entry.Repo)));
            }
            foreach (var stored in _manager.List().Where(m => m.CatalogId is null))
                Add(DescribeFile(stored.Key, _manager.Store.PathFor(stored.Key), null) with { CreatedUnixSeconds = stored.Downloaded.ToUnixTimeSeconds(), OwnedBy = Owner(stored.Repo) });
        }
        foreach (var (key, loaded) in _loaded) Add(DescribeFile(key, loaded.Path, null));

        if (DefaultModel is { } d && list.FindIndex(m => m.Id == d) is var i and >= 0)
        {
            var first = list[i] with { IsDefault = true };
            list.RemoveAt(i);
            list.Insert(0, first);
        }
        return Task.FromResult<IReadOnlyList<ModelDescriptor>>(list);
    }

    public async Task<IChatClient> GetChatClientAsync(string model, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default)
    {
        var lease = await _host.AcquireAsync(KeyOf(model), keepAlive, cancellationToken).ConfigureAwait(false);
        return new HostedChatClient(lease);
    }

    public async Task<ModelDescriptor> LoadAsync(string model, IProgress<ModelLoadProgress>? progress, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default)
    {
        var key = KeyOf(model);
        var alreadyLoaded = _host.IsLoaded(key);
        var fanout = _progress.GetOrAdd(key, _ => new ProgressFanout());
        fanout.Add(progress);
        try
        {
            await using var lease = await _host.AcquireAsync(key, keepAlive, cancellationToken).ConfigureAwait(false);
            if (alreadyLoaded) progress?.Report(new ModelLoadProgress("ready", 1, 0, 0, "already loaded"));
            var loaded = _loaded[key];
            return DescribeFile(key, loaded.Path, _manager?.Catalog.Find(key));
        }
        finally { fanout.Remove(progress); }
    }

    public Task<bool> UnloadAsync(string model, CancellationToken cancellationToken = default) =>
        _host.UnloadAsync(KeyOf(model), cancellationToken);

    /// <summary>The key a model is loaded under: its served id, its catalog id, its full path, or its Hub name.</summary>
    string KeyOf(string model)
    {
        if (string.IsNullOrWhiteSpace(model)) throw new ModelNotFoundException(model ?? "");
        if (model == "default" && DefaultModel is { } d) model = d;
        var files = Files();
        if (files.ContainsKey(model)) return model;
        if (_loaded.ContainsKey(model)) return model;
        if (_manager is null)
        {
            var path = Path.GetFullPath(model);
            return File.Exists(path) ? IdOfPath(files, path) : throw new ModelNotFoundException(model);
        }
        ModelReference reference;
        try { reference = _manager.Parse(model); }
        catch (Models.ModelNotFoundException e) { throw new ModelNotFoundException(model, e.Message); }
        return reference.Kind switch
        {
            ModelSourceKind.Catalog => reference.Entry!.Id,
            ModelSourceKind.LocalFile => IdOfPath(files, reference.LocalPath!),
            _ => model.Trim(),
        };
    }

    static string IdOfPath(Dictionary<string, string> files, string path) =>
        files.FirstOrDefault(kv => kv.Value == path).Key ?? path;

    /// <summary>The host's load: find or fetch the file, check it fits, then hand it to the engine.</summary>
    async Task<IChatClient> LoadModelAsync(string key, CancellationToken ct)
    {
        var progress = _progress.GetOrAdd(key, _ => new ProgressFanout());
        LocalModel file;
        if (Files().TryGetValue(key, out var served) || (Path.IsPathRooted(key) && File.Exists(served = key)))
        {
            file = new LocalModel(key, served, new FileInfo(served).Length);
            if (_manager is not null && ShapeOf(served) is not null) _manager.EnsureFits(file);
        }
        else if (_manager is not null)
        {
            file = await _manager.PrepareAsync(key, progress: new FetchProgress(progress), ct: ct).ConfigureAwait(false);
        }
        else throw new ModelNotFoundException(key);

        progress.Report(new ModelLoadProgress("loading", 0, 0, file.Size, $"loading {Path.GetFileName(file.Path)}"));
        var client = await _loader(key, file.Path, progress, ct).ConfigureAwait(false);
        _loaded[key] = new LoadedModel(file.Path, client);
        if (file.Key is not null) _manager?.Store.Touch(file.Key);
        return client;
    }

    ModelDescriptor DescribeFile(string id, string path, CatalogEntry? entry)
    {
        var info = new FileInfo(path);
        var exists = info.Exists;
        var size = exists ? info.Length : entry?.SizeBytes ?? 0;
        var shape = exists ? ShapeOf(path) : null;
        int? context = _loaded.TryGetValue(id, out var loaded) ? loaded.Client.GetService<ChatModelInfo>()?.ContextWindow : null;
        context ??= shape is not null ? Math.Min(shape.ContextLength, ChatModelOptions.DefaultMaxContext)
            : entry is not null ? Math.Min(entry.ContextLength, ChatModelOptions.DefaultMaxContext) : null;
        var needed = shape is not null ? MemoryEstimate.Total(size, shape.Shape, context ?? ChatModelOptions.DefaultMaxContext) : size;
        var available = _manager?.AvailableMemory() ?? MemoryEstimate.AvailableBytes();
        return new ModelDescriptor(id, size, entry?.Quantization ?? QuantizationOf(info.Name), exists, loaded is not null,
            loaded is not null || needed <= available, context,
            exists ? new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds() : 0, entry is null ? "hearth" : Owner(entry.Repo));
    }

    /// <summary>The GGUF header's shape, read once per file version; null for a file that is not a readable GGUF.</summary>
    GgufShapeReader.GgufShape? ShapeOf(string path)
    {
        var written = File.GetLastWriteTimeUtc(path);
        if (_shapes.TryGetValue(path, out var cached) && cached.Written == written) return cached.Shape;
        GgufShapeReader.GgufShape? shape;
        try { shape = GgufShapeReader.Read(path); }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException or OverflowException or InvalidCastException) { shape = null; }
        _shapes[path] = (written, shape);
        return shape;
    }

    static string Owner(string repo) => repo.Split('/')[0];

    Dictionary<string, string> Files()
    {
        var all = new Dictionary<string, string>(_files, StringComparer.Ordinal);
        string[] folders;
        lock (_folders) folders = [.. _folders];
        foreach (var folder in folders.Where(Directory.Exists))
            foreach (var file in Directory.EnumerateFiles(folder, "*.gguf", SearchOption.AllDirectories))
                all.TryAdd(Path.GetFileNameWithoutExtension(file), file);
        return all;
    }

    /// <summary>The quantization named in a GGUF file name (the common convention), or null.</summary>
    public static string? QuantizationOf(string fileName)
    {
        var m = QuantizationPattern().Match(fileName);
        return m.Success ? m.Value.ToUpperInvariant() : null;
    }

    [GeneratedRegex(@"(?i)(?<=[-_.])(iq\d_[a-z]+|q\d_k_[sml]|q\d_k|q\d_\d|bf16|f16|f32)(?=[-_.])")]
    private static partial Regex QuantizationPattern();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    sealed record LoadedModel(string Path, IChatClient Client);

    /// <summary>Everyone waiting on one model's load hears its progress.</summary>
    sealed class ProgressFanout : IProgress<ModelLoadProgress>
    {
        readonly List<IProgress<ModelLoadProgress>> _listeners = [];

        public void Add(IProgress<ModelLoadProgress>? p) { if (p is not null) lock (_listeners) _listeners.Add(p); }
        public void Remove(IProgress<ModelLoadProgress>? p) { if (p is not null) lock (_listeners) _listeners.Remove(p); }

        public void Report(ModelLoadProgress value)
        {
            IProgress<ModelLoadProgress>[] listeners;
            lock (_listeners) listeners = [.. _listeners];
            foreach (var l in listeners) l.Report(value);
        }
    }

    /// <summary>Download progress (resolving, downloading, verifying, evicting) as load progress.</summary>
    sealed class FetchProgress(IProgress<ModelLoadProgress> inner) : IProgress<ProgressEvent>
    {
        public void Report(ProgressEvent e) =>
            inner.Report(new ModelLoadProgress(e.Phase == ProgressPhase.Done ? "downloaded" : e.Phase, e.Progress ?? 0, e.Bytes, e.Total ?? 0, e.Text, e.EtaSeconds));
    }
}
