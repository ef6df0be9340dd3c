namespace Hearth.Core.Models;

/// <summary>A model ready on this machine: the file the engine loads.</summary>
/// <param name="Name">The name the user gave.</param>
/// <param name="Key">Its cache key; null for a local file outside the cache.</param>
/// <param name="Entry">Its catalog entry, when it is one.</param>
public sealed record LocalModel(string Name, string Path, long Size, string? Key = null, CatalogEntry? Entry = null);
