namespace Hearth.Core.Models;

/// <summary>Runtimes a catalog entry is built for.</summary>
public static class ModelRuntime
{
    /// <summary>A GGUF file: runs in the C# engine and in the browser through wllama.</summary>
    public const string Gguf = "gguf";

    /// <summary>An MLC build: runs in the browser through WebLLM, which fetches it itself.</summary>
    public const string WebLlm = "webllm";
}

/// <summary>The dimensions that size the KV cache.</summary>
public sealed record ModelShape(int Layers, int Heads, int KvHeads, int HeadDim, int EmbeddingLength);

/// <summary>One curated model. Data lives in <c>catalog.json</c>.</summary>
public sealed record CatalogEntry
{
    public required string Id { get; init; }
    public required string Runtime { get; init; }
    public required string Name { get; init; }
    public string? Parameters { get; init; }
    public required string Repo { get; init; }
    /// <summary>The GGUF file in <see cref="Repo"/>; null for WebLLM builds, which are a folder.</summary>
    public string? File { get; init; }
    public string Revision { get; init; } = "main";
    /// <summary>Approximate download size; the Hub's answer wins at download time.</summary>
    public long? SizeBytes { get; init; }
    /// <summary>Published sha256 of <see cref="File"/>; null when not confirmed (the Hub's X-Linked-Etag is checked instead).</summary>
    public string? Sha256 { get; init; }
    public int ContextLength { get; init; }
    public required string Quantization { get; init; }
    public required string License { get; init; }
    public bool LowMemory { get; init; }
    public bool Default { get; init; }
    public ModelShape? Shape { get; init; }
    /// <summary>Memory the runtime needs, when the runtime publishes it (WebLLM's vram_required_MB).</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>Memory needed to run this model with a context of <paramref name="contextLength"/> tokens.</summary>
    public long MemoryNeeded(int contextLength) =>
        MemoryBytes ?? (Shape is { } shape && SizeBytes is { } size
            ? MemoryEstimate.Total(size, shape, Math.Min(contextLength, ContextLength))
            : SizeBytes ?? 0);
}
