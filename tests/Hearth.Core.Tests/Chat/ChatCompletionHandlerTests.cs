using System.Text;
using System.Text.Json;
using Hearth.Core.Chat;
using Hearth.Core.Memory;
using Hearth.Core.OpenAI;
using Hearth.Core.Registry;
using Hearth.Core.Telemetry;
using Hearth.Tests.Fakes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;

namespace Hearth.Tests.Chat;

public sealed class ChatCompletionHandlerTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("hearth-handler-").FullName;
    readonly FakeChatModel _model = new("fake", contextWindow: 64);
    readonly ConversationStore _store;
    readonly HearthMetrics _metrics = new();
    readonly ChatCompletionHandler _handler;

    public ChatCompletionHandlerTests()
    {
        _store = ConversationStore.Open(Path.Combine(_dir, "hearth.db"));
        var registry = new ModelRegistry((_, _, _, _) => Task.FromResult<IChatClient>(_model));
        File.WriteAllBytes(Path.Combine(_dir, "fake.gguf"), [0]);
        registry.AddFile(Path.Combine(_dir, "fake.gguf"));
        _handler = new ChatCompletionHandler(registry, _store, new MemoryOptions(), _metrics);
    }

    Task<ChatCompletion> Start(string json, string? header = null) => _handler.StartAsync(Encoding.UTF8.GetBytes(json), header, default);

    static async Task<List<string>> Events(ChatCompletion c)
    {
        var events = new List<string>();
        await foreach (var e in c.StreamAsync(default)) events.Add(Encoding.UTF8.GetString(e.Span));
        return events;
    }

    [Fact]
    public async Task Streams_openai_chunks_with_role_first_finish_last_then_usage_and_done()
    {
        var c = await Start("""{"model":"fake","messages":[{"role":"user","content":"hi there"}],"stream":true,"stream_options":{"include_usage":true}}""");
        var events = await Events(c);
        Assert.All(events, e => Assert.Matches(@"^data: .*\n\n$", e));
        Assert.Equal("data: [DONE]\n\n", events[^1]);
        var chunks = events.SkipLast(1).Select(e => JsonDocument.Parse(e[6..]).RootElement).ToList();
        Assert.All(chunks, ch => Assert.Equal("chat.completion.chunk", ch.GetProperty("object").GetString()));
        Assert.Single(chunks.Select(ch => ch.GetProperty("id").GetString()).Distinct());
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var text = string.Concat(chunks.SkipLast(1).Select(ch => ch.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : ""));
        Assert.Equal("echo: hi there", text);
        Assert.Equal("stop", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        var usage = chunks[^1];
        Assert.Equal(0, usage.GetProperty("choices").GetArrayLength());
        Assert.Equal(3, usage.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(JsonValueKind.Null, chunks[0].GetProperty("usage").ValueKind);
    }

    [Fact]
    public async Task Answers_without_streaming_and_names_the_conversation()
    {
        var c = await Start("""{"model":"fake","messages":[{"role":"user","content":"What is the capital of a very long country name that goes on and on?"}],"max_tokens":2,"logprobs":true}""");
        var json = JsonDocument.Parse((await c.CompleteAsync(default)).ToArray()).RootElement;
        Assert.Equal("chat.completion", json.GetProperty("object").GetString());
        var choice = json.GetProperty("choices")[0];
        Assert.Equal("echo: What", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(2, choice.GetProperty("logprobs").GetProperty("content").GetArrayLength());
        var conversation = await _store.GetAsync(c.ConversationId);
        Assert.Equal("What is the capital of a very long country name that goes on", conversation!.Title);
        Assert.Equal(60, conversation.Title.Length);
        Assert.Equal(2, (await _store.GetMessagesAsync(c.ConversationId)).Count);
    }

    [Fact]
    public async Task A_prompt_over_the_context_window_is_context_length_exceeded_before_the_stream_starts()
    {
        var words = string.Join(' ', Enumerable.Repeat("word", 70));
        var c = await Start($$"""{"model":"fake","messages":[{"role":"user","content":"{{words}}"}],"stream":true}""");
        var e = await Assert.ThrowsAsync<ApiException>(() => Events(c));
        Assert.Equal((400, "context_length_exceeded", "messages"), (e.Status, e.Code, e.Param));
        Assert.Empty(_model.Calls); // refused before the model ran
        Assert.Null(await _store.GetAsync(c.ConversationId)); // the conversation it would have started is gone

        c = await Start("""{"model":"fake","messages":[{"role":"user","content":"short"}],"max_tokens":60}""");
        e = await Assert.ThrowsAsync<ApiException>(() => c.CompleteAsync(default));
        Assert.Equal("context_length_exceeded", e.Code);
    }

    [Fact]
    public async Task Unknown_models_and_conversations_are_404s()
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => Start("""{"model":"nope","messages":[{"role":"user","content":"x"}]}"""));
        Assert.Equal((404, "model_not_found", "model"), (e.Status, e.Code, e.Param));
        e = await Assert.ThrowsAsync<ApiException>(() => Start("""{"model":"fake","messages":[{"role":"user","content":"x"}]}""", Guid.NewGuid().ToString()));
        Assert.Equal((404, "conversation_not_found"), (e.Status, e.Code));
    }

    [Fact]
    public async Task The_header_or_body_conversation_gets_history_replayed()
    {
        var first = await Start("""{"model":"fake","messages":[{"role":"user","content":"one"}]}""");
        await first.CompleteAsync(default);
        var second = await Start($$"""{"model":"fake","messages":[{"role":"user","content":"two"}],"conversation_id":"{{first.ConversationId}}"}""");
        await second.CompleteAsync(default);
        Assert.Equal(first.ConversationId, second.ConversationId);
        Assert.Equal(["one", "echo: one", "two"], _model.Calls[^1].Messages.Select(m => m.Text));

        var e = await Assert.ThrowsAsync<ApiException>(() => Start($$"""{"model":"fake","messages":[{"role":"user","content":"x"}],"conversation_id":"{{first.ConversationId}}"}""", Guid.NewGuid().ToString()));
        Assert.Equal("conversation_id", e.Param);
    }

    [Fact]
    public async Task Metrics_count_tokens_and_first_token_time()
    {
        var c = await Start("""{"model":"fake","messages":[{"role":"user","content":"a b"}]}""");
        await c.CompleteAsync(default);
        var text = new StringWriter();
        _metrics.WritePrometheus(text);
        Assert.Contains("hearth_completion_tokens_total 3\n", text.ToString());
        Assert.Contains("hearth_time_to_first_token_seconds_count 1\n", text.ToString());
        Assert.Contains("hearth_generation_tokens_per_second_count 1\n", text.ToString());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
