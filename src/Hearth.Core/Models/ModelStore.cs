using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hearth.Core.Models;

/// <summary>
/// The model cache under <c>HEARTH_HOME/models</c>: complete files at <c>{key}</c>, unfinished ones at
/// <c>{key}.partial</c>, and <c>index.json</c> with each model's size, hash and last use. Only files in the index
/// with their recorded size count as models. Enforces the quota by evicting the least recently used models.
/// </summary>
public sealed class ModelStore
{
    const string IndexName = "index.json";
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    readonly Lock _lock = new();
    readonly TimeProvider _time;
    // Bytes promised to downloads in progress, by key: parallel downloads must not each spend the same free quota.
    readonly Dictionary<string, long> _reserved = new(StringComparer.Ordinal);

    public ModelStore(string root, long? quotaBytes = null, TimeProvider? time = null)
    {
        Root = Path.GetFullPath(root);
        QuotaBytes = quotaBytes;
        _time = time ?? TimeProvider.System;
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }
    public long? QuotaBytes { get; set; }

    /// <summary>Raised for every eviction (the server logs it); the pull that caused it also reports it as progress.</summary>
    public event Action<ModelEvicted>? Evicted;

    public string PathFor(string key)
    {
        var full = Path.GetFullPath(Path.Combine(Root, key));
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"'{key}' points outside the model cache.", nameof(key));
        return full;
    }

    /// <summary>Every complete model, most recently used first.</summary>
    public IReadOnlyList<StoredModel> List()
    {
        lock (_lock) return Load().Values.Where(IsComplete).OrderByDescending(m => m.LastUsed).ToList();
    }

    /// <summary>The model under this key if its file is there and complete; null otherwise.</summary>
    public StoredModel? Find(string key)
    {
        lock (_lock) return Load().TryGetValue(key, out var m) && IsComplete(m) ? m : null;
    }

    /// <summary>Records a file that has reached its final path (and ends the space reservation of its download).</summary>
    public StoredModel Add(string repo, string revision, string file, long size, string sha256, string? catalogId = null)
    {
        var now = _time.GetUtcNow();
        var model = new StoredModel(StoredModel.KeyFor(repo, revision, file), repo, revision, file, size, sha256, now, now) { CatalogId = catalogId };
        lock (_lock)
        {
            var index = Load();
            index[model.Key] = model;
            Save(index);
            _reserved.Remove(model.Key);
        }
        return model;
    }

    /// <summary>Ends the reservation <see cref="EnsureSpace"/> made for a download that stopped without a file.</summary>
    public void ReleaseSpace(string key)
    {
        lock (_lock) _reserved.Remove(key);
    }

    /// <summary>Bytes reserved by downloads in progress (other than <paramref name="exceptKey"/>).</summary>
    public long ReservedBytes(string? exceptKey = null)
    {
        lock (_lock) return _reserved.Where(r => r.Key != exceptKey).Sum(r => r.Value);
    }

    /// <summary>Marks a model as just used, which moves it to the back of the eviction line.</summary>
    public void Touch(string key)
    {
        lock (_lock)
        {
            var index = Load();
            if (!index.TryGetValue(key, out var m)) return;
            index[key] = m with { LastUsed = _time.GetUtcNow() };
            Save(index);
        }
    }

    /// <summary>Deletes a model (and any partial download of it); false when there was nothing to delete.</summary>
    public bool Remove(string key)
    {
        lock (_lock)
        {
            var index = Load();
            var known = index.Remove(key);
            var path = PathFor(key);
            var existed = File.Exists(path) || File.Exists(FileDownloader.PartialPath(path));
            File.Delete(path);
            File.Delete(FileDownloader.PartialPath(path));
            File.Delete(path + ".partial.json");
            if (known) Save(index);
            return known || existed;
        }
    }

    /// <summary>
    /// Makes room for <paramref name="bytesNeeded"/> more bytes under the quota (and on the disk) by evicting the least
    /// recently used models for which <paramref name="inUse"/> is false. Returns what was evicted.
    /// <paramref name="alreadyOnDisk"/> is the part of a resumed download that no longer needs disk space.
    /// With a <paramref name="forKey"/>, the space stays reserved for that download (other downloads count it as used)
    /// until <see cref="Add"/> records the file or <see cref="ReleaseSpace"/> gives it up.
    /// </summary>
    public IReadOnlyList<ModelEvicted> EnsureSpace(long bytesNeeded, Func<StoredModel, bool> inUse, string? forKey = null, long alreadyOnDisk = 0)
    {
        var evicted = new List<ModelEvicted>();
        lock (_lock)
        {
            var index = Load();
            var models = index.Values.Where(IsComplete).Where(m => m.Key != forKey).ToList();
            var others = _reserved.Where(r => r.Key != forKey).ToList();
            var reserved = others.Sum(r => r.Value);
            var used = models.Sum(m => m.Size) + reserved;
            var busy = reserved > 0 ? " and downloads in progress" : "";
            if (QuotaBytes is { } quota)
            {
                if (bytesNeeded > quota)
                    throw new ModelStorageException(
                        $"{forKey ?? "The model"} needs {ByteSize.Format(bytesNeeded)}, more than the whole {ByteSize.Format(quota)} quota (HEARTH_MODELS_QUOTA).");
                foreach (var victim in models.OrderBy(m => m.LastUsed))
                {
                    if (used + bytesNeeded <= quota) break;
                    if (inUse(victim)) continue;
                    var reason = $"evicted {victim.Key} ({ByteSize.Format(victim.Size)}, last used {victim.LastUsed:u}) to keep models under the {ByteSize.Format(quota)} quota";
                    DeleteFile(victim);
                    index.Remove(victim.Key);
                    used -= victim.Size;
                    evicted.Add(new ModelEvicted(victim, quota, reason));
                }
                if (evicted.Count > 0) Save(index);
                if (used + bytesNeeded > quota)
                    throw new ModelStorageException(
                        $"{forKey ?? "The model"} needs {ByteSize.Format(bytesNeeded)} but only {ByteSize.Format(Math.Max(0, quota - used))} of the "
                        + $"{ByteSize.Format(quota)} quota is free and the remaining models{busy} are in use; unload one or raise HEARTH_MODELS_QUOTA.");
            }
            // Free disk, less what the other downloads in progress have yet to write.
            var free = new DriveInfo(Root).AvailableFreeSpace
                       - others.Sum(r => Math.Max(0, r.Value - PartialLength(r.Key)));
            if (bytesNeeded - alreadyOnDisk > free)
                throw new ModelStorageException(
                    $"{forKey ?? "The model"} needs {ByteSize.Format(bytesNeeded - alreadyOnDisk)} more but the disk holding {Root} has "
                    + $"{ByteSize.Format(Math.Max(0, free))} free{(reserved > 0 ? " after the downloads in progress" : "")}.");
            if (forKey is not null) _reserved[forKey] = bytesNeeded;
        }
        foreach (var e in evicted) Evicted?.Invoke(e);
        return evicted;
    }

    public StorageInfo GetStorageInfo()
    {
        var models = List();
        var partial = Directory.EnumerateFiles(Root, "*.partial", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        var drive = new DriveInfo(Root);
        return new StorageInfo(Root, models.Count, models.Sum(m => m.Size), partial, QuotaBytes, drive.AvailableFreeSpace, drive.TotalSize);
    }

    bool IsComplete(StoredModel m)
    {
        var file = new FileInfo(PathFor(m.Key));
        return file.Exists && file.Length == m.Size;
    }

    void DeleteFile(StoredModel m) => File.Delete(PathFor(m.Key));

    long PartialLength(string key)
    {
        var partial = new FileInfo(FileDownloader.PartialPath(PathFor(key)));
        return partial.Exists ? partial.Length : 0;
    }

    // The index is read fresh for every operation so that a CLI and a server sharing HEARTH_HOME see each other's changes.
    Dictionary<string, StoredModel> Load()
    {
        var path = Path.Combine(Root, IndexName);
        if (!File.Exists(path)) return new(StringComparer.Ordinal);
        try
        {
            var file = JsonSerializer.Deserialize<IndexFile>(File.ReadAllText(path), Json);
            return (file?.Models ?? []).ToDictionary(m => m.Key, StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return new(StringComparer.Ordinal); // a damaged index forgets the models; their files are fetched again
        }
    }

    void Save(Dictionary<string, StoredModel> index)
    {
        var path = Path.Combine(Root, IndexName);
        var temp = path + $".{Environment.ProcessId}.tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(new IndexFile(index.Values.OrderBy(m => m.Key).ToList()), Json));
        File.Move(temp, path, overwrite: true);
    }

    sealed record IndexFile([property: JsonPropertyName("models")] List<StoredModel> Models);
}
