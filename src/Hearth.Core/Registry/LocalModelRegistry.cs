using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Registry;

/// <summary>Loads a GGUF file into a chat client (the engine's <c>ChatModel.Load</c>, or a test double).</summary>
public delegate Task<IChatClient> ChatClientLoader(string modelId, string path, IProgress<ModelLoadProgress>? progress, CancellationToken cancellationToken);

/// <summary>
/// Models from GGUF files on this machine: every <c>*.gguf</c> in the given folders (id = file name without
/// extension) plus explicitly named files. Loads on first use; concurrent requests for one model share one load.
/// </summary>
public sealed partial class LocalModelRegistry(ChatClientLoader loader) : IModelRegistry, IAsyncDisposable
{
    readonly ConcurrentDictionary<string, string> _files = new(StringComparer.Ordinal);
    readonly List<string> _folders = [];
    readonly ConcurrentDictionary<string, Lazy<Task<IChatClient>>> _loaded = new(StringComparer.Ordinal);

    /// <summary>Adds one model file under an id of your choosing (default: the file name without .gguf).</summary>
    public LocalModelRegistry AddFile(string path, string? id = null)
    {
        _files[id ?? Path.GetFileNameWithoutExtension(path)] = Path.GetFullPath(path);
        return this;
    }

    /// <summary>Adds every *.gguf in a folder (looked up again on each listing, so new downloads appear).</summary>
    public LocalModelRegistry AddFolder(string folder)
    {
        lock (_folders) _folders.Add(Path.GetFullPath(folder));
        return this;
    }

    public async Task<IReadOnlyList<ModelDescriptor>> ListAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<ModelDescriptor>();
        foreach (var (id, path) in Files().OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var file = new FileInfo(path);
            var size = file.Exists ? file.Length : 0;
            int? context = null;
            var loaded = _loaded.TryGetValue(id, out var lazy) && lazy.Value.IsCompletedSuccessfully;
            if (loaded) context = (await lazy!.Value).GetService<Hearth.Engine.Chat.ChatModelInfo>()?.ContextWindow;
            list.Add(new ModelDescriptor(id, size, QuantizationOf(file.Name), file.Exists, loaded, FitsMemory(size), context,
                file.Exists ? new DateTimeOffset(file.LastWriteTimeUtc).ToUnixTimeSeconds() : 0));
        }
        return list;
    }

    public Task<IChatClient> GetChatClientAsync(string model, CancellationToken cancellationToken = default) =>
        LoadCore(model, null, cancellationToken);

    public Task LoadAsync(string model, IProgress<ModelLoadProgress>? progress, CancellationToken cancellationToken = default) =>
        LoadCore(model, progress, cancellationToken);

    public async Task<bool> UnloadAsync(string model, CancellationToken cancellationToken = default)
    {
        if (!Files().ContainsKey(model)) throw new ModelNotFoundException(model);
        if (!_loaded.TryRemove(model, out var lazy)) return false;
        try { (await lazy.Value).Dispose(); }
        catch (Exception) when (!lazy.Value.IsCompletedSuccessfully) { /* a failed load has nothing to free */ }
        return true;
    }

    async Task<IChatClient> LoadCore(string model, IProgress<ModelLoadProgress>? progress, CancellationToken cancellationToken)
    {
        if (!Files().TryGetValue(model, out var path)) throw new ModelNotFoundException(model);
        // The load itself is not tied to one caller's token: other callers may be waiting on it.
        var lazy = _loaded.GetOrAdd(model, id => new Lazy<Task<IChatClient>>(() => loader(id, path, progress, CancellationToken.None)));
        var alreadyDone = lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully;
        try
        {
            var client = await lazy.Value.WaitAsync(cancellationToken);
            if (alreadyDone) progress?.Report(new ModelLoadProgress("ready", 1, 0, 0, "already loaded"));
            return client;
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            _loaded.TryRemove(new KeyValuePair<string, Lazy<Task<IChatClient>>>(model, lazy));
            throw;
        }
    }

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

    static bool FitsMemory(long size) => size < GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.8;

    /// <summary>The quantization named in a GGUF file name (the common convention), or null.</summary>
    public static string? QuantizationOf(string fileName)
    {
        var m = QuantizationPattern().Match(fileName);
        return m.Success ? m.Value.ToUpperInvariant() : null;
    }

    [GeneratedRegex(@"(?i)(?<=[-_.])(iq\d_[a-z]+|q\d_k_[sml]|q\d_k|q\d_\d|bf16|f16|f32)(?=[-_.])")]
    private static partial Regex QuantizationPattern();

    public async ValueTask DisposeAsync()
    {
        foreach (var model in _loaded.Keys.ToList())
            if (_loaded.TryRemove(model, out var lazy) && lazy.IsValueCreated)
                try { (await lazy.Value).Dispose(); } catch (Exception) { /* shutting down */ }
    }
}
