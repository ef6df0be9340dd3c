using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Tests.Routing;

/// <summary>
/// A test double for an OpenAI-compatible server, on real Kestrel at 127.0.0.1:0: each chat request gets the next
/// scripted answer (a status and body, or SSE events, optionally cut off before [DONE]). Records every request body.
/// </summary>
public sealed class ScriptedUpstream : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly Queue<Func<HttpContext, Task>> _script = new();

    int _modelRequests;

    public List<string> Bodies { get; } = [];
    /// <summary>GET /v1/models requests so far (health probes, listings).</summary>
    public int ModelRequests => Volatile.Read(ref _modelRequests);
    /// <summary>Answer /v1/models with a 503.</summary>
    public bool ModelsDown { get; set; }
    public Uri BaseAddress { get; }

    public ScriptedUpstream()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/v1/chat/completions", async http =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            lock (Bodies) Bodies.Add(body);
            Func<HttpContext, Task> next;
            lock (_script) next = _script.Count > 0 ? _script.Dequeue() : Stream("default reply");
            await next(http);
        });
        _app.MapGet("/v1/models", () =>
        {
            Interlocked.Increment(ref _modelRequests);
            return ModelsDown ? Results.StatusCode(503) : Results.Json(new { data = new[] { new { id = "m" } } });
        });
        _app.StartAsync().GetAwaiter().GetResult();
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/v1/");
    }

    public ScriptedUpstream Then(Func<HttpContext, Task> answer)
    {
        lock (_script) _script.Enqueue(answer);
        return this;
    }

    public static Func<HttpContext, Task> Status(int status, string code) => async http =>
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync($$$"""{"error":{"message":"scripted {{{code}}}","type":"server_error","param":null,"code":"{{{code}}}"}}""");
    };

    /// <summary>A streamed reply word by word; <paramref name="cutAfter"/> words then the connection drops (no [DONE]).</summary>
    public static Func<HttpContext, Task> Stream(string text, int? cutAfter = null, string? errorAfter = null, params string[] rawEvents) => async http =>
    {
        http.Response.ContentType = "text/event-stream";
        var words = text.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            if (i == cutAfter)
            {
                await Task.Delay(200); // let the client read what was sent: a reset discards unread data
                http.Abort();
                return;
            }
            if (i > 0 && errorAfter is not null)
            {
                await Event(http, $$$"""{"error":{"message":"{{{errorAfter}}}","type":"server_error","param":null,"code":"boom"}}""");
                return;
            }
            await Event(http, $$$"""{"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"{{{(i == 0 ? "" : " ") + words[i]}}}"},"finish_reason":null}]}""");
        }
        foreach (var raw in rawEvents) await Event(http, raw);
        await Event(http, """{"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""");
        await Event(http, """{"id":"c1","object":"chat.completion.chunk","model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}""");
        await http.Response.WriteAsync("data: [DONE]\n\n");
    };

    static async Task Event(HttpContext http, string json)
    {
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"data: {json}\n\n"));
        await http.Response.Body.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
