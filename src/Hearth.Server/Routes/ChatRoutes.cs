using Hearth.Client;
using Hearth.Core.Chat;
using Hearth.Core.Routing;
using Hearth.Core.Service;
using Hearth.Server.Http;

namespace Hearth.Server.Routes;

static class ChatRoutes
{
    /// <summary>POST /v1/chat/completions: JSON, or SSE when "stream": true. The client's disconnect cancels generation.</summary>
    public static async Task Completions(HttpContext http, ChatCompletionHandler handler, RequestQueue queue, ServerOptions options)
    {
        var ct = http.RequestAborted;
        var body = await HttpJson.ReadBody(http.Request, options.MaxBodyBytes, ct);
        using var slot = await queue.EnterAsync(ct);
        using var completion = await handler.StartAsync(body, Header(http, ChatCompletionHandler.ConversationHeader), Header(http, HearthOptionKeys.RouteHeader), ct);
        http.Response.Headers[ChatCompletionHandler.ConversationHeader] = completion.ConversationId;

        if (!completion.Stream)
        {
            var json = await completion.CompleteAsync(ct);
            ProviderHeader(http, completion);
            await HttpJson.Write(http.Response, json);
            return;
        }

        // The first event is awaited before the status line goes out, so a prompt that does not fit is still a 400
        // (and the router has chosen its provider by then).
        await using var events = completion.StreamAsync(ct).GetAsyncEnumerator(ct);
        if (!await events.MoveNextAsync()) return;
        ProviderHeader(http, completion);
        http.Response.ContentType = Core.Sse.Sse.ContentType;
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        do
        {
            await http.Response.Body.WriteAsync(events.Current, ct);
            await http.Response.Body.FlushAsync(ct);
        }
        while (await events.MoveNextAsync());
    }

    /// <summary>x-hearth-provider: which provider answered.</summary>
    static void ProviderHeader(HttpContext http, ChatCompletion completion)
    {
        if (RouteDecision.Of(completion.Request.Options)?.Provider is { } provider) http.Response.Headers[HearthOptionKeys.ProviderHeader] = provider;
    }

    static string? Header(HttpContext http, string name) =>
        http.Request.Headers.TryGetValue(name, out var v) && v.ToString().Length > 0 ? v.ToString() : null;
}
