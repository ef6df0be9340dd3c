using System.Diagnostics;
using System.Threading.Channels;
using Hearth.Core.Chat;
using Hearth.Core.Models;
using Hearth.Core.OpenAI;
using Hearth.Core.Registry;
using Hearth.Server.Http;

namespace Hearth.Server.Routes;

/// <summary>/v1/models: what can be served, loading or freeing a model, deleting downloaded weights.</summary>
static class ModelRoutes
{
    public static async Task List(HttpContext http, IModelRegistry models) =>
        await HttpJson.Write(http.Response, ModelJson.List(await models.ListAsync(http.RequestAborted)));

    /// <summary>
    /// POST /v1/models/load {model, keep_alive?}: SSE progress events (download, then load), then one final event
    /// (done with the context window, or failed with an error), then [DONE]. A name that is no model is a 404.
    /// </summary>
    public static async Task Load(HttpContext http, IModelRegistry models, ServerOptions options)
    {
        var ct = http.RequestAborted;
        var (model, keepAlive) = ModelJson.ParseModelBody(await HttpJson.ReadBody(http.Request, options.MaxBodyBytes, ct));
        var started = Stopwatch.GetTimestamp();
        var events = Channel.CreateUnbounded<ModelLoadProgress>(new UnboundedChannelOptions { SingleReader = true });
        var load = LoadAndComplete(models, model, keepAlive, events.Writer, ct);

        // Nothing is sent until the load reports or ends, so that a name that is no model is still a plain 404.
        if (!await events.Reader.WaitToReadAsync(ct))
        {
            try { await load; }
            catch (Exception e) when (e is Core.Registry.ModelNotFoundException or Core.Models.ModelNotFoundException) { throw ChatCompletionHandler.ModelError(model, e); }
            catch (Exception e) when (e is not OperationCanceledException) { /* the final event says it */ }
        }

        http.Response.ContentType = Core.Sse.Sse.ContentType;
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        await foreach (var p in events.Reader.ReadAllAsync(ct))
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var eta = p.EtaSeconds ?? (p.Progress is > 0 and < 1 ? elapsed * (1 - p.Progress) / p.Progress : null);
            await http.Response.Body.WriteAsync(ModelJson.LoadProgress(model, p, elapsed, eta), ct);
            await http.Response.Body.FlushAsync(ct);
        }

        ApiException? error = null;
        int? context = null;
        try { context = (await load).ContextWindow; }
        catch (Exception e) when (e is not OperationCanceledException) { error = ChatCompletionHandler.ModelError(model, e); }
        await http.Response.Body.WriteAsync(ModelJson.LoadDone(model, Stopwatch.GetElapsedTime(started).TotalSeconds, context, error), ct);
        await http.Response.Body.WriteAsync(Core.Sse.Sse.Done, ct);
    }

    static async Task<ModelDescriptor> LoadAndComplete(IModelRegistry models, string model, TimeSpan? keepAlive, ChannelWriter<ModelLoadProgress> events, CancellationToken ct)
    {
        try
        {
            await Task.Yield();
            return await models.LoadAsync(model, new Progress(events), keepAlive, ct);
        }
        finally { events.TryComplete(); }
    }

    /// <summary>POST /v1/models/unload {model}: frees it once its running requests end.</summary>
    public static async Task Unload(HttpContext http, IModelRegistry models, ServerOptions options)
    {
        var (model, _) = ModelJson.ParseModelBody(await HttpJson.ReadBody(http.Request, options.MaxBodyBytes, http.RequestAborted));
        bool wasLoaded;
        try { wasLoaded = await models.UnloadAsync(model, http.RequestAborted); }
        catch (Exception e) when (e is Core.Registry.ModelNotFoundException or Core.Models.ModelNotFoundException) { throw ChatCompletionHandler.ModelError(model, e); }
        await HttpJson.Write(http.Response, ModelJson.Unloaded(model, wasLoaded));
    }

    /// <summary>DELETE /v1/models/{id}: deletes downloaded weights (refused while the model is loaded).</summary>
    public static async Task Delete(HttpContext http, string id, ModelManager manager)
    {
        bool deleted;
        try { deleted = manager.Remove(id); }
        catch (Core.Models.ModelNotFoundException e) { throw ChatCompletionHandler.ModelError(id, e); }
        catch (ModelException e) { throw new ApiException(409, e.Message, "invalid_request_error", "model", "model_in_use"); }
        if (!deleted) throw ApiException.ModelNotFound(id, "It is not downloaded.");
        await HttpJson.Write(http.Response, ModelJson.Deleted(id, deleted));
    }

    /// <summary>Progress reports straight into the channel (System.Progress would post them to a thread pool later).</summary>
    sealed class Progress(ChannelWriter<ModelLoadProgress> writer) : IProgress<ModelLoadProgress>
    {
        public void Report(ModelLoadProgress value) => writer.TryWrite(value);
    }
}
