using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Hearth.Client;
using Hearth.Core.Chat;
using Hearth.Core.Jobs;
using Hearth.Core.Memory;
using Hearth.Core.Models;
using Hearth.Core.OpenAI;
using Hearth.Core.Registry;
using Hearth.Core.Routing;
using Hearth.Core.Telemetry;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Service;

/// <summary>
/// Main mode: <see cref="IHearth"/> in the application's own process, over the same router, conversation memory,
/// model manager and jobs that <c>hearth serve</c> uses. <see cref="HearthClient"/> is the same interface over HTTP,
/// so moving between the two is configuration only. Failures are <see cref="HearthException"/>s with the status and
/// code the HTTP API would give.
/// </summary>
public sealed class InProcessHearth(IModelRegistry models, ModelManager manager, ConversationStore store, MemoryOptions? memory = null, HearthMetrics? metrics = null)
    : IHearth
{
    readonly MemoryOptions _memory = memory ?? new MemoryOptions();
    readonly HearthMetrics _metrics = metrics ?? new HearthMetrics();

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>As <c>POST /v1/chat/completions</c>: a new conversation unless <see cref="ChatOptions.ConversationId"/> names one.</summary>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        var chatOptions = options?.Clone() ?? new ChatOptions();
        chatOptions.ModelId ??= "default";
        chatOptions.AdditionalProperties ??= [];
        if (chatOptions.AdditionalProperties.TryGetValue(RouteOptions.HeaderKey, out var route) && route is string header)
            chatOptions.AdditionalProperties[RouteOptions.HeaderKey] = Wrap(() => RouteOptions.ParseHeader(header));

        IChatClient model;
        try { model = await models.GetChatClientAsync(chatOptions.ModelId, null, cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException) { throw ToHearth(ChatCompletionHandler.ModelError(chatOptions.ModelId, e)); }
        using var _ = model;
        if (model.GetService(typeof(RouteDecision)) is RouteDecision decision) chatOptions.AdditionalProperties[RouteDecision.Key] = decision;

        string conversationId;
        bool created;
        try { (conversationId, created) = await ChatCompletionHandler.ConversationAsync(store, chatOptions.ConversationId, list, chatOptions.ModelId, cancellationToken).ConfigureAwait(false); }
        catch (ApiException e) { throw ToHearth(e); }
        chatOptions.ConversationId = conversationId;

        var pipeline = ChatCompletionHandler.Pipeline(model, store, _memory, _metrics);
        await using var updates = pipeline.GetStreamingResponseAsync(list, chatOptions, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var first = true;
        while (true)
        {
            bool more;
            try { more = await updates.MoveNextAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (first && created) await store.DeleteAsync(chatOptions.ConversationId, CancellationToken.None).ConfigureAwait(false);
                throw ToHearth(ChatCompletion.Translate(e));
            }
            if (!more) yield break;
            first = false;
            updates.Current.ConversationId = chatOptions.ConversationId;
            yield return updates.Current;
        }
    }

    public async Task<IReadOnlyList<HearthModel>> ListModelsAsync(CancellationToken cancellationToken = default) =>
        [.. (await models.ListAsync(cancellationToken).ConfigureAwait(false)).Select(m =>
            new HearthModel(m.Id, m.Provider, m.Local, m.Loaded, m.Cached, m.SizeBytes, m.ContextWindow, m.Health, m.Price, m.IsDefault))];

    public IAsyncEnumerable<HearthProgress> PullAsync(string model, CancellationToken cancellationToken = default) =>
        PullJobs.PullAsync(this, model, cancellationToken);

    public async IAsyncEnumerable<HearthProgress> LoadAsync(string model, TimeSpan? keepAlive = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var events = Channel.CreateUnbounded<ModelLoadProgress>();
        var load = Task.Run(async () =>
        {
            try { return await models.LoadAsync(model, new ChannelProgress(events.Writer), keepAlive, cancellationToken).ConfigureAwait(false); }
            finally { events.Writer.TryComplete(); }
        }, cancellationToken);
        await foreach (var p in events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            yield return new HearthProgress(p.Phase, p.Progress, p.Bytes, p.Total, p.Text);
        try { await load.ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException) { throw ToHearth(ChatCompletionHandler.ModelError(model, e)); }
        yield return new HearthProgress("ready", 1, 0, null, model);
    }

    public async Task<bool> UnloadAsync(string model, CancellationToken cancellationToken = default)
    {
        try { return await models.UnloadAsync(model, cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException) { throw ToHearth(ChatCompletionHandler.ModelError(model, e)); }
    }

    public Task<bool> DeleteAsync(string model, CancellationToken cancellationToken = default)
    {
        try { return Task.FromResult(manager.Remove(model)); }
        catch (Models.ModelNotFoundException) { return Task.FromResult(false); }
        catch (ModelException e) { throw new HearthException(409, e.Message, "invalid_request_error", "model_in_use", "model"); }
    }

    public Task<HearthStorage> GetStorageAsync(CancellationToken cancellationToken = default)
    {
        var info = manager.GetStorageInfo();
        return Task.FromResult(new HearthStorage(info.Path, info.Models, info.UsedBytes, info.QuotaBytes, info.FreeDiskBytes));
    }

    public Task<HearthJob> StartPullJobAsync(string model, CancellationToken cancellationToken = default)
    {
        try { return Task.FromResult(JobOf(manager.StartPull(model))); }
        catch (ModelException e) { throw ToHearth(ChatCompletionHandler.ModelError(model, e)); }
    }

    public Task<IReadOnlyList<HearthJob>> ListJobsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<HearthJob>>([.. manager.Jobs.List().Select(JobOf)]);

    public Task<HearthJob?> GetJobAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(manager.Jobs.Get(id) is { } job ? JobOf(job) : null);

    public Task<HearthJob?> CancelJobAsync(string id, CancellationToken cancellationToken = default)
    {
        if (manager.Jobs.Get(id) is null) return Task.FromResult<HearthJob?>(null);
        manager.Jobs.Cancel(id);
        return GetJobAsync(id, cancellationToken);
    }

    public async IAsyncEnumerable<HearthJob> WatchJobAsync(string id, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (manager.Jobs.Get(id) is null) throw new HearthException(404, $"No job with id '{id}'.", "not_found_error", "job_not_found", "id");
        await foreach (var e in manager.Jobs.SubscribeAsync(id, cancellationToken).ConfigureAwait(false))
        {
            var job = JobOf(e.Job);
            yield return job;
            if (job.IsFinished) yield break;
        }
    }

    static HearthJob JobOf(JobInfo j) => new(j.Id, j.Kind, j.Subject, j.Status.ToString().ToLowerInvariant(),
        j.Progress is { } p ? new HearthProgress(p.Phase, p.Progress, p.Bytes, p.Total, p.Text) : null, j.Error);

    static HearthException ToHearth(ApiException e) =>
        new(e.Status, e.Message, e.Type, e.Code, e.Param, e) { RetryAfterSeconds = e.RetryAfterSeconds };

    static T Wrap<T>(Func<T> parse)
    {
        try { return parse(); }
        catch (ApiException e) { throw ToHearth(e); }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() { }

    sealed class ChannelProgress(ChannelWriter<ModelLoadProgress> writer) : IProgress<ModelLoadProgress>
    {
        public void Report(ModelLoadProgress value) => writer.TryWrite(value);
    }
}
