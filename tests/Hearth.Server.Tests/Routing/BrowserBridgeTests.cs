using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Hearth.Tests.Infrastructure;

namespace Hearth.Tests.Routing;

/// <summary>
/// The server side of the browser-engine bridge: a WebSocket client plays the page (a test double for wllama in
/// a browser), offering model "tiny"; requests for browser/tiny are answered through it.
/// </summary>
public sealed class BrowserBridgeTests
{
    sealed class Page(ClientWebSocket socket) : IAsyncDisposable
    {
        public static async Task<Page> ConnectAsync(TestServer server, params string[] models)
        {
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri($"ws://{server.BaseAddress.Authority}/v1/bridge"), CancellationToken.None);
            var page = new Page(socket);
            await page.SendAsync(new { type = "hello", models = models.Select(id => new { id, context_window = 512 }) });
            return page;
        }

        public Task SendAsync(object message) =>
            socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None);

        public async Task<JsonElement> ReceiveAsync()
        {
            var buffer = new byte[64 * 1024];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            return JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, result.Count)).RootElement.Clone();
        }

        public void Abort() => socket.Abort();

        public async ValueTask DisposeAsync()
        {
            if (socket.State == WebSocketState.Open) await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
            socket.Dispose();
        }
    }

    static async Task WaitForModel(TestServer server, string id)
    {
        for (var i = 0; i < 200; i++)
        {
            if ((await server.Http.GetStringAsync("/v1/models")).Contains($"\"{id}\"")) return;
            await Task.Delay(20);
        }
        Assert.Fail($"{id} never appeared in /v1/models");
    }

    [Fact]
    public async Task A_page_offers_its_engine_and_answers_streamed_requests()
    {
        await using var server = TestServer.Start();
        await using var page = await Page.ConnectAsync(server, "tiny");
        await WaitForModel(server, "browser/tiny");
        var listed = (await Json.Read(await server.Http.GetAsync("/v1/models"))).GetProperty("data").EnumerateArray().Single(m => m.GetProperty("id").GetString() == "browser/tiny");
        Assert.Equal(("browser", true), (listed.GetProperty("provider").GetString(), listed.GetProperty("local").GetBoolean()));

        var pending = server.Http.PostAsync("/v1/chat/completions", Json.Body(
            """{"model":"browser/tiny","messages":[{"role":"user","content":"Once upon"}],"stream":true,"max_tokens":5}"""));
        var generate = await page.ReceiveAsync();
        Assert.Equal("generate", generate.GetProperty("type").GetString());
        Assert.Equal("tiny", generate.GetProperty("model").GetString());
        Assert.Equal("Once upon", generate.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal(5, generate.GetProperty("options").GetProperty("max_tokens").GetInt32());
        var id = generate.GetProperty("id").GetString();
        await page.SendAsync(new { type = "text", id, text = "a time" });
        await page.SendAsync(new { type = "text", id, text = " there" });
        await page.SendAsync(new { type = "done", id, finish_reason = "stop", prompt_tokens = 3, completion_tokens = 2 });

        using var response = await pending;
        Assert.Equal("browser", TwoServers.ProviderOf(response));
        var chunks = SseReader.Chunks(await response.Content.ReadAsStringAsync());
        Assert.Equal("a time there", SseReader.Text(chunks));
    }

    [Fact]
    public async Task A_page_closing_mid_reply_ends_the_stream_with_an_error_event()
    {
        await using var server = TestServer.Start();
        var page = await Page.ConnectAsync(server, "tiny");
        await WaitForModel(server, "browser/tiny");
        var pending = server.Http.PostAsync("/v1/chat/completions", Json.Body(
            """{"model":"browser/tiny","messages":[{"role":"user","content":"hi"}],"stream":true}"""), CancellationToken.None);
        var id = (await page.ReceiveAsync()).GetProperty("id").GetString();
        await page.SendAsync(new { type = "text", id, text = "half" });
        await Task.Delay(200);
        page.Abort();

        using var response = await pending;
        var events = SseReader.Events(await response.Content.ReadAsStringAsync());
        Assert.Equal("provider_interrupted", JsonDocument.Parse(events[^1]).RootElement.GetProperty("error").GetProperty("code").GetString());
        await page.DisposeAsync();

        // Gone from the list; its models are 404s again.
        for (var i = 0; i < 100 && (await server.Http.GetStringAsync("/v1/models")).Contains("browser/tiny"); i++) await Task.Delay(20);
        using var gone = await server.Http.PostAsync("/v1/chat/completions", Json.Body("""{"model":"browser/tiny","messages":[{"role":"user","content":"hi"}]}"""));
        await Json.Error(gone, 404, "model_not_found");
    }

    [Fact]
    public async Task Plain_http_to_the_bridge_is_a_400()
    {
        await using var server = TestServer.Start();
        await Json.Error(await server.Http.GetAsync("/v1/bridge"), 400, "websocket_required");
    }
}
