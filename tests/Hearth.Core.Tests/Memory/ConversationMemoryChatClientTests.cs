using Hearth.Core.Memory;
using Hearth.Tests.Fakes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;

namespace Hearth.Tests.Memory;

public sealed class ConversationMemoryChatClientTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("hearth-memory-").FullName;
    readonly ConversationStore _store;
    readonly FakeChatModel _model = new("fake", contextWindow: 64);

    public ConversationMemoryChatClientTests() => _store = ConversationStore.Open(Path.Combine(_dir, "hearth.db"));

    ChatOptions Options(string conversation, int? maxTokens = null) => new() { ModelId = "fake", ConversationId = conversation, MaxOutputTokens = maxTokens };

    [Fact]
    public async Task Saves_the_turn_and_replays_it_before_the_next_message()
    {
        var c = await _store.CreateAsync("t", "fake");
        using var client = new ConversationMemoryChatClient(_model, _store, new MemoryOptions());
        var first = await client.GetResponseAsync([new ChatMessage(ChatRole.System, "sys"), new ChatMessage(ChatRole.User, "hello")], Options(c.Id));
        Assert.Equal("echo: hello", first.Text);

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "again")], Options(c.Id));
        Assert.Equal(["sys", "hello", "echo: hello", "again"], _model.Calls[1].Messages.Select(m => m.Text));
        Assert.Null(_model.Calls[1].Options!.ConversationId); // the inner client sees a plain request

        var stored = await _store.GetMessagesAsync(c.Id);
        Assert.Equal(["system", "user", "assistant", "user", "assistant"], stored.Select(m => m.Role));
        var reply = stored[2];
        Assert.Equal(("echo: hello", "fake", "stop", false), (reply.Content, reply.Model, reply.FinishReason, reply.Interrupted));
        Assert.Equal(FakeChatModel.Count([new(ChatRole.System, "sys"), new(ChatRole.User, "hello")]), reply.PromptTokens);
        Assert.Equal(2, reply.CompletionTokens);
        Assert.Contains("GenerationMs", reply.Timings);
    }

    [Fact]
    public async Task Replay_is_cut_to_the_window_counted_with_the_model()
    {
        var c = await _store.CreateAsync("t", "fake");
        using var client = new ConversationMemoryChatClient(_model, _store, new MemoryOptions());
        for (var i = 0; i < 6; i++) await client.GetResponseAsync([new ChatMessage(ChatRole.User, $"m{i}")], Options(c.Id, maxTokens: 8));
        // Context 64, max_tokens 8: the prompt may use 56 tokens.
        foreach (var (messages, _) in _model.Calls) Assert.True(FakeChatModel.Count(messages) <= 56);
        var last = _model.Calls[^1].Messages;
        Assert.Equal("m0", last[0].Text); // the first user message stays
        Assert.Equal("m5", last[^1].Text);
        Assert.True(last.Count < 12);

        // A request's own window cuts further.
        var o = Options(c.Id, maxTokens: 8);
        o.AdditionalProperties = new() { [MemoryOptions.WindowKey] = 20 };
        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "m6")], o);
        Assert.True(FakeChatModel.Count(_model.Calls[^1].Messages) <= 20);
    }

    [Fact]
    public async Task An_interrupted_generation_saves_what_was_generated_marked_interrupted()
    {
        var c = await _store.CreateAsync("t", "fake");
        _model.Reply = _ => "one two three four five six";
        using var client = new ConversationMemoryChatClient(_model, _store, new MemoryOptions());
        using var cts = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var u in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "go")], Options(c.Id), cts.Token))
                if (++seen == 2) cts.Cancel();
        });
        var stored = await _store.GetMessagesAsync(c.Id);
        Assert.Equal(2, stored.Count);
        Assert.Equal(("one two", true, null), (stored[1].Content, stored[1].Interrupted, stored[1].FinishReason));
    }

    [Fact]
    public async Task A_request_without_a_conversation_passes_through_unsaved()
    {
        using var client = new ConversationMemoryChatClient(_model, _store, new MemoryOptions());
        var r = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")], new ChatOptions());
        Assert.Equal("echo: x", r.Text);
        Assert.Empty((await _store.ListAsync()).Page);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
