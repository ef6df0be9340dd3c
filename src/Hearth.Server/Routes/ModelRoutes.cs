using System.Diagnostics;
using System.Threading.Channels;
using Hearth.Core.OpenAI;
using Hearth.Core.Registry;
using Hearth.Engine.Chat;
using Hearth.Server.Http;
using Microsoft.Extensions.AI;

namespace Hearth.Server.Routes;

/// <summary>/v1/models: what can be served, and loading or freeing a model.</summary>
static class ModelRoutes
{
    public static async Task List(HttpContext http, IModelRegistry models) =>
        await HttpJson.Write(http.Response, ModelJson.List(await models.ListAsync(http.RequestAborted)));

    /// <summary>POST /v1/models/load {model}: SSE progress events, then one final event (done or failed), then [DONE].</summary>
    public static async Task Load(HttpContext http, IModelRegistry models, ServerOptions options)
    {
        var ct = http.RequestAborted;
        var model = ModelJson.ParseModelBody(await HttpJson.ReadBody(http.Request, options.MaxBodyBytes, ct));
        if (!(await models.ListAsync(ct)).Any(m => m.Id == model)) throw ApiException.ModelNotFound(model);

        http.Response.ContentType = Core.Sse.Sse.ContentType;
        http.Response.Headers.CacheControl = "no-cache";
        var started = Stopwatch.GetTimestamp();
        var events = Channel.CreateUnbounded<ModelLoadProgress>(new UnboundedChannelOptions { SingleReader = true });
        var load = LoadAndComplete(models, model, new Progress(events.Writer), events.Writer, ct);

        await foreach (var p in events.Reader.ReadAllAsync(ct))
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
            double? eta = p.Progress is > 0 and < 1 ? elapsed * (1 - p.Progress) / p.Progress : null;
            await http.Response.Body.WriteAsync(ModelJson.LoadProgress(model, p, elapsed, eta), ct);
            await http.Response.Body.FlushAsync(ct);
        }

        ApiException? error = null;
        int? context = null;
        try { context = (await load)?.GetService<ChatModelInfo>()?.ContextWindow; }
        catch (Exception e) when (e is not OperationCanceledException) { error = e as ApiException ?? ApiException.Unavailable($"The model '{model}' could not be loaded: {e.Message}", e); }
        await http.Response.Body.WriteAsync(ModelJson.LoadDone(model, Stopwatch.GetElapsedTime(started).TotalSeconds, context, error), ct);
        await http.Response.Body.WriteAsync(Core.Sse.Sse.Done, ct);
    }

    static async Task<IChatClient?> LoadAndComplete(IModelRegistry models, string model, IProgress<ModelLoadProgress> progress, ChannelWriter<ModelLoadProgress> events, CancellationToken ct)
    {
        try
        {
            await Task.Yield();
            await models.LoadAsync(model, progress, ct);
            return await models.GetChatClientAsync(model, ct);
        }
        finally { events.TryComplete(); }
    }

    public static async Task Unload(HttpContext http, IModelRegistry models, ServerOptions options)
    {
        var model = ModelJson.ParseModelBody(await HttpJson.ReadBody(http.Request, options.MaxBodyBytes, http.RequestAborted));
        bool wasLoaded;
        try { wasLoaded = await models.UnloadAsync(model, http.RequestAborted); }
        catch (ModelNotFoundException) { throw ApiException.ModelNotFound(model); }
        await HttpJson.Write(http.Response, ModelJson.Unloaded(model, wasLoaded));
    }

    /// <summary>Progress reports straight into the channel (System.Progress would post them to a thread pool later).</summary>
    sealed class Progress(ChannelWriter<ModelLoadProgress> writer) : IProgress<ModelLoadProgress>
    {
        public void Report(ModelLoadProgress value) => writer.TryWrite(value);
    }
}
