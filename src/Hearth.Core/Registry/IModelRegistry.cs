using Microsoft.Extensions.AI;

namespace Hearth.Core.Registry;

/// <summary>
/// Maps a request's <c>model</c> id to a chat client, loading it on demand. The seam where the engine loader,
/// model lifetime (keep-alive) and other providers plug in.
/// </summary>
public interface IModelRegistry
{
    Task<IReadOnlyList<ModelDescriptor>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>The loaded model's client, loading it first if needed. Throws <see cref="ModelNotFoundException"/>.</summary>
    Task<IChatClient> GetChatClientAsync(string model, CancellationToken cancellationToken = default);

    /// <summary>Loads (or finds loaded) a model, reporting progress. Throws <see cref="ModelNotFoundException"/>.</summary>
    Task LoadAsync(string model, IProgress<ModelLoadProgress>? progress, CancellationToken cancellationToken = default);

    /// <summary>Frees a loaded model; false when it was not loaded. Throws <see cref="ModelNotFoundException"/>.</summary>
    Task<bool> UnloadAsync(string model, CancellationToken cancellationToken = default);
}

public sealed class ModelNotFoundException(string model) : Exception($"No model '{model}' is available.")
{
    public string Model { get; } = model;
}
