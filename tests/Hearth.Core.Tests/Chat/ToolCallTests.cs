using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Hearth.Core.Chat;
using Hearth.Core.Memory;
using Hearth.Core.Registry;
using Hearth.Core.Telemetry;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;

namespace Hearth.Tests.Chat;

/// <summary>A model that calls a tool: OpenAI tool_calls in responses, in chunks, and in the store.</summary>
public sealed class ToolCallTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("hearth-tools-").FullName;

    sealed class ToolCallingModel : IChatClient
    {
        public ChatOptions? Seen;
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken ct = default) =>
            GetStreamingResponseAsync(messages, options, ct).ToChatResponseAsync(ct);

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken ct = default)
        {
            Seen = options;
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Oslo" })]);
            yield return new ChatResponseUpdate { Role = ChatRole.Assistant, FinishReason = ChatFinishReason.ToolCalls,
                Contents = [new UsageContent(new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5 })] };
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;
        public void Dispose() { }
    }

    const string Body = """
        {"model":"tools","messages":[{"role":"user","content":"Weather in Oslo?"}],
         "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]
        """;

    (ChatCompletionHandler Handler, ToolCallingModel Model, ConversationStore Store) Setup()
    {
        var model = new ToolCallingModel();
        File.WriteAllBytes(Path.Combine(_dir, "tools.gguf"), [0]);
        var registry = new ModelRegistry((_, _, _, _) => Task.FromResult<IChatClient>(model)).AddFile(Path.Combine(_dir, "tools.gguf"));
        var store = ConversationStore.Open(Path.Combine(_dir, "hearth.db"));
        return (new ChatCompletionHandler(registry, store, new MemoryOptions(), new HearthMetrics()), model, store);
    }

    [Fact]
    public async Task Tool_calls_come_back_as_openai_tool_calls_and_are_stored()
    {
        var (handler, model, store) = Setup();
        var c = await handler.StartAsync(Encoding.UTF8.GetBytes(Body + "}"), null, default);
        var json = JsonDocument.Parse((await c.CompleteAsync(default)).ToArray()).RootElement;
        Assert.Equal("get_weather", Assert.Single(model.Seen!.Tools!).Name);
        var choice = json.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("message").GetProperty("content").ValueKind);
        var call = choice.GetProperty("message").GetProperty("tool_calls")[0];
        Assert.Equal(("call_1", "function", "get_weather"), (call.GetProperty("id").GetString(), call.GetProperty("type").GetString(), call.GetProperty("function").GetProperty("name").GetString()));
        Assert.Equal("Oslo", JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("city").GetString());

        var stored = await store.GetMessagesAsync(c.ConversationId);
        Assert.Equal(("tool_calls", "call_1"), (stored[1].FinishReason, JsonDocument.Parse(stored[1].ToolCalls!).RootElement[0].GetProperty("id").GetString()));
        // Replayed, the stored call is a function call again.
        var replayed = MessageRecords.ToChatMessage(stored[1]);
        Assert.Equal("get_weather", Assert.IsType<FunctionCallContent>(Assert.Single(replayed.Contents)).Name);
    }

    [Fact]
    public async Task Streamed_tool_calls_carry_an_index()
    {
        var (handler, _, _) = Setup();
        var c = await handler.StartAsync(Encoding.UTF8.GetBytes(Body + ""","stream":true}"""), null, default);
        var chunks = new List<JsonElement>();
        await foreach (var e in c.StreamAsync(default))
        {
            var text = Encoding.UTF8.GetString(e.Span)[6..^2];
            if (text != "[DONE]") chunks.Add(JsonDocument.Parse(text).RootElement);
        }
        var delta = chunks[0].GetProperty("choices")[0].GetProperty("delta");
        Assert.Equal("assistant", delta.GetProperty("role").GetString());
        Assert.Equal(0, delta.GetProperty("tool_calls")[0].GetProperty("index").GetInt32());
        Assert.Equal("tool_calls", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
