using System.Net;
using System.Text.Json;
using Hearth.Tests.Infrastructure;

namespace Hearth.Tests.Http;

/// <summary>/v1/chat/completions over real HTTP (Kestrel on 127.0.0.1), against a test double model.</summary>
public class ChatCompletionsHttpTests
{
    const string Hi = """{"model":"fake","messages":[{"role":"user","content":"hi there"}]""";

    [Fact]
    public async Task Streams_sse_frames_ending_in_done_with_the_conversation_header()
    {
        await using var server = TestServer.Start();
        using var response = await server.Http.PostAsync("/v1/chat/completions", Json.Body(Hi + ""","stream":true,"stream_options":{"include_usage":true}}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.True(Guid.TryParse(response.Headers.GetValues("x-conversation-id").Single(), out _));
        var chunks = SseReader.Chunks(await response.Content.ReadAsStringAsync());
        Assert.Equal("echo: hi there", SseReader.Text(chunks));
        Assert.Equal(6, chunks[^1].GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Answers_json_without_streaming()
    {
        await using var server = TestServer.Start();
        using var response = await server.Http.PostAsync("/v1/chat/completions", Json.Body(Hi + "}"));
        var json = await Json.Read(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("echo: hi there", json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("fake", json.GetProperty("model").GetString());
    }

    [Theory]
    [InlineData("{not json", 400, "invalid_json", null)]
    [InlineData("""{"model":"fake","messages":[{"role":"user","content":"x"}],"n":3}""", 400, "unsupported_parameter", "n")]
    [InlineData("""{"model":"fake","messages":[{"role":"user","content":"x"}],"max_tokens":"ten"}""", 400, "invalid_type", "max_tokens")]
    [InlineData("""{"model":"ghost","messages":[{"role":"user","content":"x"}]}""", 404, "model_not_found", "model")]
    [InlineData("""{"model":"fake","messages":[{"role":"user","content":"x"}],"max_tokens":100000}""", 400, "context_length_exceeded", "messages")]
    [InlineData("""{"model":"fake","messages":[{"role":"user","content":"x"}],"max_tokens":100000,"stream":true}""", 400, "context_length_exceeded", "messages")]
    public async Task Refusals_are_openai_errors(string body, int status, string code, string? param)
    {
        await using var server = TestServer.Start();
        using var response = await server.Http.PostAsync("/v1/chat/completions", Json.Body(body));
        await Json.Error(response, status, code, param);
    }

    [Fact]
    public async Task Bodies_over_the_limit_are_413()
    {
        await using var server = TestServer.Start(o => o.MaxBodyBytes = 1000);
        var big = new string('a', 5000);
        using var response = await server.Http.PostAsync("/v1/chat/completions", Json.Body($$"""{"model":"fake","messages":[{"role":"user","content":"{{big}}"}]}"""));
        await Json.Error(response, 413, "request_too_large");
        // Still serving.
        using var ok = await server.Http.PostAsync("/v1/chat/completions", Json.Body(Hi + "}"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task A_full_queue_answers_429_with_retry_after()
    {
        await using var server = TestServer.Start(o => { o.MaxConcurrentRequests = 1; o.MaxQueuedRequests = 1; });
        server.Model.Gate = new SemaphoreSlim(0);
        var running = server.Http.PostAsync("/v1/chat/completions", Json.Body(Hi + "}"));
        await WaitUntil(() => server.Model.Calls.Count == 1);
        var queued = server.Http.PostAsync("/v1/chat/completions", Json.Body(Hi + "}"));
        await WaitUntil(async () => (await server.Http.GetStringAsync("/metrics")).Contains("hearth_queue_depth 1"));

        using var refused = await server.Http.PostAsync("/v1/chat/completions", Json.Body(Hi + "}"));
        await Json.Error(refused, 429, "queue_full");
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter!.Delta);

        server.Model.Gate.Release(100);
        Assert.Equal(HttpStatusCode.OK, (await running).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await queued).StatusCode);
    }

    [Fact]
    public async Task A_client_that_disconnects_cancels_its_generation_and_the_partial_reply_is_saved()
    {
        await using var server = TestServer.Start();
        server.Model.Reply = _ => string.Join(' ', Enumerable.Range(0, 1000).Select(i => $"w{i}"));
        server.Model.TokenDelay = TimeSpan.FromMilliseconds(5);
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body(Hi + ""","stream":true}""") };
        string conversation;
        using (var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            conversation = response.Headers.GetValues("x-conversation-id").Single();
            await using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[64];
            Assert.True(await stream.ReadAsync(buffer) > 0);
        }
        await WaitUntil(() => server.Model.Cancellations == 1);
        JsonElement messages = default;
        await WaitUntil(async () =>
        {
            messages = (await Json.Read(await server.Http.GetAsync($"/v1/conversations/{conversation}/messages"))).GetProperty("data");
            return messages.GetArrayLength() == 2;
        });
        var reply = messages[1];
        Assert.True(reply.GetProperty("interrupted").GetBoolean());
        Assert.StartsWith("w0 w1", reply.GetProperty("content").GetString());
        Assert.DoesNotContain("w999", reply.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Metrics_are_prometheus_text()
    {
        await using var server = TestServer.Start();
        (await server.Http.PostAsync("/v1/chat/completions", Json.Body(Hi + "}"))).Dispose();
        using var response = await server.Http.GetAsync("/metrics");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("hearth_requests_total{route=\"/v1/chat/completions\",status=\"200\"} 1", text);
        Assert.Contains("hearth_completion_tokens_total 3", text);
        Assert.Contains("# TYPE hearth_time_to_first_token_seconds histogram", text);
        Assert.Contains("hearth_loaded_models 1", text);
        Assert.Contains("hearth_queue_depth 0", text);
    }

    internal static async Task WaitUntil(Func<bool> condition) => await WaitUntil(() => Task.FromResult(condition()));

    internal static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in 20 s");
            await Task.Delay(20);
        }
    }
}
