using Microsoft.Extensions.AI;

namespace Hearth.Client;

/// <summary>
/// Hearth as an application sees it: a chat client plus model management and jobs. <see cref="HearthClient"/>
/// implements it over HTTP against a running <c>hearth serve</c> (proxy mode); Hearth.Core's <c>InProcessHearth</c>
/// implements it in the application's own process (main mode). Failures are <see cref="HearthException"/>s either way.
/// </summary>
/// <remarks>
/// Chat: <see cref="ChatOptions.ModelId"/> picks the model (<c>provider/model</c> or a local id; null: the default);
/// <see cref="ChatOptions.ConversationId"/> continues a stored conversation, and every reply carries the conversation
/// it was saved in. <see cref="HearthOptionKeys"/> name Hearth's extras.
/// </remarks>
public interface IHearth : IChatClient
{
    /// <summary>Every model of every provider: local files, the catalog, other servers, the cloud.</summary>
    Task<IReadOnlyList<HearthModel>> ListModelsAsync(CancellationToken cancellationToken = default);

    /// <summary>Downloads a model (as a job that outlives the caller), reporting progress until it is on disk.</summary>
    IAsyncEnumerable<HearthProgress> PullAsync(string model, CancellationToken cancellationToken = default);

    /// <summary>Loads a model into memory (downloading it first if need be), reporting progress until it is ready.</summary>
    IAsyncEnumerable<HearthProgress> LoadAsync(string model, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default);

    /// <summary>Frees a loaded model; false when it was not loaded.</summary>
    Task<bool> UnloadAsync(string model, CancellationToken cancellationToken = default);

    /// <summary>Deletes a downloaded model's weights; false when it was not downloaded.</summary>
    Task<bool> DeleteAsync(string model, CancellationToken cancellationToken = default);

    /// <summary>Disk used by models, the quota and free disk.</summary>
    Task<HearthStorage> GetStorageAsync(CancellationToken cancellationToken = default);

    /// <summary>Starts a pull job (or joins the one pulling the same model).</summary>
    Task<HearthJob> StartPullJobAsync(string model, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<HearthJob>> ListJobsAsync(CancellationToken cancellationToken = default);

    /// <summary>The job, or null when there is no such job.</summary>
    Task<HearthJob?> GetJobAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Cancels a job; returns it as it is then, or null when there is no such job.</summary>
    Task<HearthJob?> CancelJobAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>A job's states from now until it finishes (the first is its current state).</summary>
    IAsyncEnumerable<HearthJob> WatchJobAsync(string id, CancellationToken cancellationToken = default);
}

/// <summary>One model as <c>GET /v1/models</c> describes it.</summary>
/// <param name="Provider">Who runs it: "local" for this machine's engine, else a configured provider's name.</param>
/// <param name="Local">Inference stays on this device.</param>
/// <param name="Health">"healthy", "degraded", "unhealthy" or null when unknown.</param>
/// <param name="Price">USD per million tokens, when known (0 for local models).</param>
public sealed record HearthModel(
    string Id, string Provider, bool Local, bool Loaded, bool Cached, long SizeBytes, int? ContextWindow,
    string? Health = null, ModelPrice? Price = null, bool IsDefault = false);

/// <summary>Price per million tokens in USD.</summary>
public sealed record ModelPrice(double InputPerMillion, double OutputPerMillion);

/// <summary>One progress report of a pull or a load.</summary>
/// <param name="Phase">e.g. "resolving", "downloading", "verifying", "loading", "ready", "done".</param>
/// <param name="Progress">0..1 within the phase, when known.</param>
public sealed record HearthProgress(string Phase, double? Progress, long Bytes, long? Total, string? Text = null);

/// <summary>A job (a pull that outlives its client).</summary>
/// <param name="Status">"running", "succeeded", "failed" or "canceled".</param>
public sealed record HearthJob(string Id, string Kind, string Subject, string Status, HearthProgress? Progress, string? Error)
{
    public bool IsFinished => Status != "running";
}

public sealed record HearthStorage(string Path, int Models, long UsedBytes, long? QuotaBytes, long FreeDiskBytes);

/// <summary>Hearth's names: HTTP headers and <see cref="ChatOptions.AdditionalProperties"/> / update keys.</summary>
public static class HearthOptionKeys
{
    /// <summary>Request header (and ChatOptions.AdditionalProperties key, a string) with routing overrides, e.g. "private" or "offline, max-ttft=2s".</summary>
    public const string RouteHeader = "x-hearth-route";
    /// <summary>Response header naming the provider that answered (also on each update's AdditionalProperties).</summary>
    public const string ProviderHeader = "x-hearth-provider";
    public const string ConversationHeader = "x-conversation-id";
    /// <summary>Update AdditionalProperties key: the provider that answered.</summary>
    public const string Provider = "hearth.provider";
}
