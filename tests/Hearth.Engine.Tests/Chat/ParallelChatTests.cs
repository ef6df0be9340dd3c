using Hearth.Engine.Chat;
using Hearth.Engine.Generation;
using Hearth.Tests;
using Microsoft.Extensions.AI;

namespace Hearth.Engine.Tests.Chat;

/// <summary>Concurrent requests to one ChatModel run at once on their own caches, decoded in shared batches.</summary>
public class ParallelChatTests
{
    static readonly string[] Openings = ["Once upon a time", "The cat", "Tom and Sue went", "One day a little dog", "It was a sunny day", "Lily saw a bird"];

    static ChatOptions Greedy(int max) => new() { Temperature = 0, MaxOutputTokens = max };

    [Fact]
    public async Task Concurrent_greedy_replies_equal_the_replies_given_one_at_a_time()
    {
        using var model = ChatModel.Load(TestModels.Path("stories260K.gguf"), new ChatModelOptions { Threads = 1, Parallel = 4 });
        var alone = new List<string>();
        foreach (var opening in Openings)
            alone.Add((await model.GetResponseAsync([new ChatMessage(ChatRole.User, opening)], Greedy(24))).Text);

        var together = await Task.WhenAll(Openings.Select(o => Task.Run(() => model.GetResponseAsync([new ChatMessage(ChatRole.User, o)], Greedy(24)))));
        Assert.Equal(alone, together.Select(r => r.Text));
        Assert.True(model.DecodeBatches < model.DecodedTokens, $"{model.DecodedTokens} tokens in {model.DecodeBatches} passes: nothing was batched");
    }

    [Fact]
    public async Task A_conversation_comes_back_to_the_cache_that_holds_its_history()
    {
        using var model = ChatModel.Load(TestModels.Path("stories260K.gguf"), new ChatModelOptions { Threads = 1, Parallel = 3 });
        List<ChatMessage> a = [new(ChatRole.User, "Once upon a time")], b = [new(ChatRole.User, "The big red ball")];
        var replyA = await model.GetResponseAsync(a, Greedy(12));
        // Two conversations at once make a second cache; then A's next turn must find its history in the first.
        await Task.WhenAll(model.GetResponseAsync(b, Greedy(12)), model.GetResponseAsync([new(ChatRole.User, "Sam had a hat")], Greedy(12)));
        List<ChatMessage> nextA = [.. a, replyA.Messages[0], new(ChatRole.User, " Then")];
        var second = await model.GetResponseAsync(nextA, Greedy(4));
        var timings = Assert.IsType<GenerationTimings>(second.AdditionalProperties![ChatOptionKeys.Timings]);
        Assert.True(timings.CachedPromptTokens >= model.CountPromptTokens(a), $"cached {timings.CachedPromptTokens} of {timings.PromptTokens}");
    }

    [Fact]
    public async Task More_requests_than_caches_wait_their_turn_and_all_finish()
    {
        using var model = ChatModel.Load(TestModels.Path("stories260K.gguf"), new ChatModelOptions { Threads = 1, Parallel = 2 });
        var replies = await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            model.GetResponseAsync([new ChatMessage(ChatRole.User, Openings[i])], Greedy(8))));
        Assert.All(replies, r => Assert.Equal(8, r.Usage!.OutputTokenCount));
    }

    [Fact]
    public void Parallel_must_be_positive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ChatModel.Load(TestModels.Path("stories260K.gguf"), new ChatModelOptions { Parallel = 0 }));
}
