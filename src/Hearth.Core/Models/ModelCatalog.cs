using System.Text.Json;

namespace Hearth.Core.Models;

/// <summary>The curated models (the embedded <c>catalog.json</c>): lookups by id and the default choice.</summary>
public sealed class ModelCatalog
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip };
    static readonly Lazy<ModelCatalog> Embedded = new(LoadEmbedded);

    public ModelCatalog(IReadOnlyList<CatalogEntry> entries, int defaultContextLength = 4096)
    {
        Entries = entries;
        DefaultContextLength = defaultContextLength;
    }

    /// <summary>The catalog shipped with Hearth.</summary>
    public static ModelCatalog Default => Embedded.Value;

    public IReadOnlyList<CatalogEntry> Entries { get; }

    /// <summary>The context length memory estimates assume when a request does not choose one.</summary>
    public int DefaultContextLength { get; }

    public CatalogEntry? Find(string id) =>
        Entries.FirstOrDefault(e => string.Equals(e.Id, id, StringComparison.OrdinalIgnoreCase));

    public IEnumerable<CatalogEntry> ForRuntime(string runtime) => Entries.Where(e => e.Runtime == runtime);

    /// <summary>The model <c>hearth serve</c> and <c>hearth run</c> use when none is named: the entry marked default, else the smallest GGUF.</summary>
    public CatalogEntry DefaultModel =>
        ForRuntime(ModelRuntime.Gguf).FirstOrDefault(e => e.Default)
        ?? ForRuntime(ModelRuntime.Gguf).OrderBy(e => e.SizeBytes).First();

    /// <summary>The largest model of a runtime that fits in <paramref name="availableBytes"/>, to suggest when one does not.</summary>
    public CatalogEntry? LargestThatFits(long availableBytes, string runtime = ModelRuntime.Gguf, int? contextLength = null) =>
        ForRuntime(runtime)
            .Where(e => e.MemoryNeeded(contextLength ?? DefaultContextLength) <= availableBytes)
            .MaxBy(e => e.MemoryNeeded(contextLength ?? DefaultContextLength));

    public static ModelCatalog Parse(string json)
    {
        var file = JsonSerializer.Deserialize<CatalogFile>(json, Json)
                   ?? throw new JsonException("The model catalog is empty.");
        return new ModelCatalog(file.Models, file.DefaultContextLength ?? 4096);
    }

    static ModelCatalog LoadEmbedded()
    {
        using var stream = typeof(ModelCatalog).Assembly.GetManifestResourceStream("Hearth.Core.Models.catalog.json")
                           ?? throw new InvalidOperationException("catalog.json is not embedded in Hearth.Core.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    sealed record CatalogFile(List<CatalogEntry> Models, int? DefaultContextLength);
}
