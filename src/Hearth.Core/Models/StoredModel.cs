namespace Hearth.Core.Models;

/// <summary>One complete model file in the cache, as the index records it.</summary>
/// <param name="Key">Where it came from: <c>{repo}/{file}</c>, or <c>{repo}@{revision}/{file}</c> off the main branch.</param>
public sealed record StoredModel(
    string Key,
    string Repo,
    string Revision,
    string File,
    long Size,
    string Sha256,
    DateTimeOffset Downloaded,
    DateTimeOffset LastUsed)
{
    public string? CatalogId { get; init; }

    public static string KeyFor(string repo, string revision, string file) =>
        revision == "main" ? $"{repo}/{file}" : $"{repo}@{revision}/{file}";
}

/// <summary>A model evicted to keep the cache under its quota.</summary>
public sealed record ModelEvicted(StoredModel Model, long QuotaBytes, string Reason);

/// <summary>Disk use of the model cache: what <c>hearth list</c> and <c>GET /v1/storage</c> show.</summary>
/// <param name="UsedBytes">Bytes of complete models in the index.</param>
/// <param name="PartialBytes">Bytes of unfinished downloads waiting to be resumed.</param>
/// <param name="QuotaBytes">The configured quota, null when none.</param>
/// <param name="FreeDiskBytes">Free space on the disk that holds the cache.</param>
public sealed record StorageInfo(string Path, int Models, long UsedBytes, long PartialBytes, long? QuotaBytes, long FreeDiskBytes, long TotalDiskBytes);
