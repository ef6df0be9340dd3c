namespace Hearth.Core.Models;

public enum ModelSourceKind
{
    /// <summary>An id from the catalog.</summary>
    Catalog,
    /// <summary><c>{owner}/{repo}/{file}.gguf</c>: one named file on the Hub.</summary>
    HubFile,
    /// <summary><c>hf.co/{owner}/{repo}:{quant}</c>: the repository's GGUF of that quantization.</summary>
    HubQuant,
    /// <summary>A GGUF file on this machine.</summary>
    LocalFile,
}

/// <summary>What a user's model name points at, before anything is fetched.</summary>
public sealed record ModelReference(
    ModelSourceKind Kind,
    string Name,
    string? Repo = null,
    string? File = null,
    string? Quant = null,
    string Revision = "main",
    string? LocalPath = null,
    CatalogEntry? Entry = null)
{
    /// <summary>The quantization <c>hf.co/{repo}</c> means when none is named (as Ollama and llama.cpp choose).</summary>
    public const string DefaultQuant = "Q4_K_M";

    static readonly string[] HubPrefixes = ["https://huggingface.co/", "http://huggingface.co/", "huggingface.co/", "hf.co/"];

    /// <summary>
    /// Reads a model name: a catalog id, <c>hf.co/{repo}:{quant}</c>, <c>{repo}:{quant}</c>, <c>{repo}/{file}.gguf</c>,
    /// or a local path. Throws <see cref="ModelNotFoundException"/> for names that are none of these.
    /// </summary>
    public static ModelReference Parse(string name, ModelCatalog catalog)
    {
        var text = name?.Trim() ?? "";
        if (text.Length == 0) throw new ArgumentException("A model name is required.", nameof(name));
        if (catalog.Find(text) is { } entry)
            return new ModelReference(ModelSourceKind.Catalog, entry.Id, entry.Repo, entry.File, entry.Quantization, entry.Revision, Entry: entry);

        var local = ExpandHome(text);
        if (System.IO.File.Exists(local))
            return new ModelReference(ModelSourceKind.LocalFile, text, LocalPath: Path.GetFullPath(local));
        if (Path.IsPathRooted(local) || text.StartsWith("./", StringComparison.Ordinal) || text.StartsWith("../", StringComparison.Ordinal)
            || text.StartsWith('~') || text.Contains('\\'))
            throw new ModelNotFoundException($"No model file at {Path.GetFullPath(local)}.");

        var hub = text;
        var explicitHub = false;
        foreach (var prefix in HubPrefixes)
        {
            if (!hub.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) continue;
            hub = hub[prefix.Length..];
            explicitHub = true;
            break;
        }
        var quant = (string?)null;
        if (hub.LastIndexOf(':') is var colon and > 0)
        {
            quant = hub[(colon + 1)..];
            hub = hub[..colon];
        }
        var parts = hub.Split('/');
        if (parts.Length >= 2 && parts.All(IsValidSegment))
        {
            var repo = parts[0] + "/" + parts[1];
            if (parts.Length == 2 && (explicitHub || quant is not null))
                return new ModelReference(ModelSourceKind.HubQuant, text, repo, Quant: string.IsNullOrEmpty(quant) || quant == "latest" ? DefaultQuant : quant);
            if (parts.Length > 2 && quant is null && hub.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
                return new ModelReference(ModelSourceKind.HubFile, text, repo, string.Join('/', parts[2..]));
        }
        throw new ModelNotFoundException(
            $"'{text}' is not a catalog model, a Hub GGUF (hf.co/{{owner}}/{{repo}}:{{quant}} or {{owner}}/{{repo}}/{{file}}.gguf) or a local file. "
            + $"Catalog models: {string.Join(", ", catalog.ForRuntime(ModelRuntime.Gguf).Select(e => e.Id))}.");
    }

    /// <summary>The file of <paramref name="files"/> that holds quantization <paramref name="quant"/> (first part of a split GGUF).</summary>
    public static string? PickQuantFile(IEnumerable<string> files, string quant)
    {
        var ggufs = files.Where(f => f.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)
                                     && !Path.GetFileName(f).StartsWith("mmproj", StringComparison.OrdinalIgnoreCase)).ToList();
        bool Matches(string f)
        {
            var stem = Path.GetFileNameWithoutExtension(f).ToUpperInvariant().Replace('.', '-').Replace('_', '-');
            var q = quant.ToUpperInvariant().Replace('_', '-');
            return stem.EndsWith("-" + q, StringComparison.Ordinal) || stem.Contains("-" + q + "-0", StringComparison.Ordinal)
                   || f.ToUpperInvariant().Replace('_', '-').Contains("/" + q + "/", StringComparison.Ordinal);
        }
        return ggufs.Where(Matches).OrderBy(f => f.Length).ThenBy(f => f, StringComparer.Ordinal).FirstOrDefault();
    }

    static bool IsValidSegment(string s) => s.Length > 0 && s != "." && s != ".." && !s.Contains(' ');

    static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~').TrimStart('/'))
            : path;
}
