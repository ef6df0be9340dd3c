using Hearth.Client;
using Hearth.Tests.Fakes;
using Microsoft.Extensions.AI;

namespace Hearth.Tests.Client;

/// <summary>
/// What an application can count on from <see cref="IHearth"/>, whichever way it reaches Hearth: the same tests run
/// against <see cref="HearthClient"/> over HTTP (proxy mode) and against Hearth.Core in process (main mode).
/// The model is the test double "fake", which echoes the last user message.
/// </summary>
public abstract class HearthContract : IAsyncLifetime
{
    protected IHearth Hearth { get; private set; } = null!;
    protected FakeChatModel Model { get; private set; } = null!;
    /// <summary>A GGUF-named file on disk that pulls resolve locally (no network).</summary>
    protected string ModelFile { get; private set; } = null!;

    protected abstract Task<(IHearth Hearth, FakeChatModel Model, string ModelFile)> StartAsync();
    protected abstract Task StopAsync();

    public async Task InitializeAsync() => (Hearth, Model, ModelFile) = await StartAsync();
    public async Task DisposeAsync()
    {
        Hearth.Dispose();
        await StopAsync();
    }

    static ChatOptions Options(string? conversation = null) => new() { ModelId = "fake", ConversationId = conversation };

    [Fact]
    public async Task Chats_and_names_the_conversation_and_provider()
    {
        var response = await Hearth.GetResponseAsync([new ChatMessage(ChatRole.User, "hi there")], Options());
        Assert.Equal("echo: hi there", response.Text);
        Assert.False(string.IsNullOrEmpty(response.ConversationId));
        Assert.True(response.Usage?.OutputTokenCount > 0);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task Streams_token_by_token_and_tells_who_answered()
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in Hearth.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "one two three")], Options())) updates.Add(u);
        Assert.True(updates.Count(u => u.Text.Length > 0) >= 3);
        Assert.Equal("echo: one two three", string.Concat(updates.Select(u => u.Text)));
        Assert.Contains(updates, u => u.AdditionalProperties?.TryGetValue(HearthOptionKeys.Provider, out var p) == true && (string?)p == "local");
    }

    [Fact]
    public async Task Continues_a_conversation_from_memory()
    {
        var first = await Hearth.GetResponseAsync([new ChatMessage(ChatRole.User, "remember apples")], Options());
        var second = await Hearth.GetResponseAsync([new ChatMessage(ChatRole.User, "what fruit?")], Options(first.ConversationId));
        Assert.Equal(first.ConversationId, second.ConversationId);
        var prompt = Model.Calls[^1].Messages;
        Assert.Equal(["remember apples", "echo: remember apples", "what fruit?"], prompt.Select(m => m.Text));
    }

    [Fact]
    public async Task Refusals_carry_status_and_code()
    {
        var missing = await Assert.ThrowsAnyAsync<HearthException>(() => Hearth.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = "no-such-model" }));
        Assert.Equal(404, missing.Status);
        Assert.Equal("model_not_found", missing.Code);
        var conversation = await Assert.ThrowsAnyAsync<HearthException>(() => Hearth.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options("no-such-conversation")));
        Assert.Equal(404, conversation.Status);
        Assert.Equal("conversation_not_found", conversation.Code);
        var route = new ChatOptions { ModelId = "fake", AdditionalProperties = new() { [HearthOptionKeys.RouteHeader] = "warp-speed" } };
        var badRoute = await Assert.ThrowsAnyAsync<HearthException>(() => Hearth.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], route));
        Assert.Equal(400, badRoute.Status);
    }

    [Fact]
    public async Task Private_requests_are_answered_locally()
    {
        var options = new ChatOptions { ModelId = "fake", AdditionalProperties = new() { [HearthOptionKeys.RouteHeader] = "private" } };
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in Hearth.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "secret")], options)) updates.Add(u);
        Assert.Equal("echo: secret", string.Concat(updates.Select(u => u.Text)));
        Assert.All(updates.Where(u => u.AdditionalProperties is not null), u => Assert.Equal("local", u.AdditionalProperties![HearthOptionKeys.Provider]));
    }

    [Fact]
    public async Task Lists_loads_and_unloads_models()
    {
        var fake = (await Hearth.ListModelsAsync()).Single(m => m.Id == "fake");
        Assert.Equal("local", fake.Provider);
        Assert.True(fake.Local);
        Assert.False(fake.Loaded);

        var progress = new List<HearthProgress>();
        await foreach (var p in Hearth.LoadAsync("fake")) progress.Add(p);
        Assert.Contains(progress, p => p.Phase == "read" && p.Progress is > 0 and < 1);
        Assert.True((await Hearth.ListModelsAsync()).Single(m => m.Id == "fake").Loaded);

        Assert.True(await Hearth.UnloadAsync("fake"));
        Assert.False(await Hearth.UnloadAsync("fake"));
        var missing = await Assert.ThrowsAnyAsync<HearthException>(async () => { await foreach (var _ in Hearth.LoadAsync("no-such-model")) { } });
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task Pulls_through_a_job_with_progress_and_reports_storage()
    {
        var progress = new List<HearthProgress>();
        await foreach (var p in Hearth.PullAsync(ModelFile)) progress.Add(p);
        Assert.Equal("done", progress[^1].Phase);
        var job = Assert.Single(await Hearth.ListJobsAsync());
        Assert.Equal("pull", job.Kind);
        Assert.Equal("succeeded", job.Status);
        Assert.Equal("succeeded", (await Hearth.GetJobAsync(job.Id))!.Status);
        Assert.Null(await Hearth.GetJobAsync("no-such-job"));
        Assert.Null(await Hearth.CancelJobAsync("no-such-job"));

        var storage = await Hearth.GetStorageAsync();
        Assert.Equal(0, storage.Models); // a local file is used where it is, not copied
        Assert.True(storage.FreeDiskBytes > 0);
        Assert.False(await Hearth.DeleteAsync("someone/nothing-here.gguf"));
    }
}
