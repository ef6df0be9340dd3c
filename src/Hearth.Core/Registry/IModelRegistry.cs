using Microsoft.Extensions.AI;

namespace Hearth.Core.Registry;

/// <summary>
/// Maps a request's <c>model</c> to a chat client, loading it on demand. The seam where the engine loader,
/// model files (catalog, cache, Hub, local paths) and model lifetime (keep-alive) meet.
/// </summary>
public interface IModelRegistry
{
    /// <summary>Every model that can be named: served files, the catalog, the cache, and whatever is loaded.</summary>
    Task<IReadOnlyList<ModelDescriptor>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The model's client, loading (and if need be downloading) it first. The model stays in memory until the
    /// returned client is disposed, then for <paramref name="keepAlive"/> (null: the server's default; zero: unload
    /// at once; negative: forever). Throws <see cref="ModelNotFoundException"/> for a name that is no model.
    /// </summary>
    Task<IChatClient> GetChatClientAsync(string model, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default);

    /// <summary>Loads (or finds loaded) a model, reporting progress, and describes it as loaded.</summary>
    Task<ModelDescriptor> LoadAsync(string model, IProgress<ModelLoadProgress>? progress, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default);

    /// <summary>Frees a loaded model (once its running requests end); false when it was not loaded.</summary>
    Task<bool> UnloadAsync(string model, CancellationToken cancellationToken = default);
}

/// <summary>The name is no model this registry can find; <see cref="Reason"/> says why when more is known.</summary>
public sealed class ModelNotFoundException(string model, string? reason = null) : Exception(reason ?? $"No model '{model}' is available.")
{
    public string Model { get; } = model;
    public string? Reason { get; } = reason;
}
