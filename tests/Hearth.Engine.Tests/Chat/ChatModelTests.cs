using System.Text.Json;
using Hearth.Engine.Chat;
using Hearth.Tests;
using Microsoft.Extensions.AI;

namespace Hearth.Engine.Tests.Chat;

/// <summary>ChatModel as an IChatClient, end to end on stories260K (trained, no chat template: raw completion).</summary>
public class ChatModelTests(StoriesModelFixture fixture) : IClassFixture<StoriesModelFixture>
{
    readonly ChatModel _model = fixture.Model;
    static readonly List<ChatMessage> OnceUponATime = [new(ChatRole.User, "Once upon a time")];
    const string GreedyStart = ", there was a little girl named Lily. She loved to play outside in the park.";

    static ChatOptions Greedy(int maxTokens, Action<ChatOptions>? more = null)
    {
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = maxTokens };
        more?.Invoke(options);
        return options;
    }

    static async Task<(string Text, List<ChatResponseUpdate> Updates)> Stream(IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions options, CancellationToken ct = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages, options, ct)) updates.Add(update);
        return (string.Concat(updates.Select(u => u.Text)), updates);
    }

    [Fact]
    public async Task Greedy_continues_the_story_like_llama_cpp()
    {
        var response = await _model.GetResponseAsync(OnceUponATime, Greedy(32));
        Assert.StartsWith(GreedyStart, response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(5, response.Usage!.InputTokenCount); // BOS + "Once upon a time", as llama.cpp tokenizes it
        Assert.Equal(32, response.Usage.OutputTokenCount);
        Assert.Equal(37, response.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Streaming_gives_the_same_text_as_non_streaming_and_ends_with_usage_and_timings()
    {
        var response = await _model.GetResponseAsync(OnceUponATime, Greedy(30));
        var (text, updates) = await Stream(_model, OnceUponATime, Greedy(30));
        Assert.Equal(response.Text, text);
        Assert.True(updates.Count > 5);
        Assert.All(updates[..^1], u => Assert.Null(u.FinishReason));
        var last = updates[^1];
        Assert.Equal(ChatFinishReason.Length, last.FinishReason);
        var usage = Assert.Single(last.Contents.OfType<UsageContent>()).Details;
        Assert.Equal(response.Usage!.OutputTokenCount, usage.OutputTokenCount);
        var timings = Assert.IsType<GenerationTimings>(last.AdditionalProperties![ChatOptionKeys.Timings]);
        Assert.Equal(30, timings.GeneratedTokens);
        Assert.Equal(5, timings.PromptTokens);
        Assert.All(updates, u => Assert.Equal(updates[0].ResponseId, u.ResponseId));
        Assert.All(updates.Where(u => u.Text.Length > 0), u => Assert.IsType<TextContent>(Assert.Single(u.Contents)));
    }

    [Fact]
    public void GetService_returns_the_model_info_with_an_exact_prompt_token_counter()
    {
        var info = Assert.IsType<ChatModelInfo>(((IChatClient)_model).GetService(typeof(ChatModelInfo)));
        Assert.Equal(Math.Min(_model.Config.ContextLength, 4096), info.ContextWindow);
        Assert.Equal("stories260K", info.ModelId);
        Assert.Equal(5, info.CountPromptTokens(OnceUponATime));
        Assert.Same(_model, ((IChatClient)_model).GetService(typeof(ChatModel)));
        Assert.NotNull(((IChatClient)_model).GetService<ChatClientMetadata>());
        Assert.Null(((IChatClient)_model).GetService(typeof(string)));
    }

    [Fact]
    public async Task A_stop_string_spanning_tokens_ends_the_reply_before_it()
    {
        var (text, updates) = await Stream(_model, OnceUponATime, Greedy(40, o => o.StopSequences = ["little girl"]));
        Assert.Equal(", there was a ", text);
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        Assert.DoesNotContain(updates, u => u.Text.Contains("little"));
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_story_and_another_seed_a_different_one()
    {
        ChatOptions Seeded(long seed) => new() { Temperature = 1.2f, TopK = 0, TopP = 1, Seed = seed, MaxOutputTokens = 40 };
        var first = await _model.GetResponseAsync(OnceUponATime, Seeded(42));
        var again = await _model.GetResponseAsync(OnceUponATime, Seeded(42));
        var other = await _model.GetResponseAsync(OnceUponATime, Seeded(7));
        Assert.Equal(first.Text, again.Text);
        Assert.NotEqual(first.Text, other.Text);
    }

    [Fact]
    public async Task Cancelling_stops_between_tokens_and_the_model_stays_usable()
    {
        using var cts = new CancellationTokenSource();
        var received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in _model.GetStreamingResponseAsync(OnceUponATime, Greedy(200), cts.Token))
                if (++received == 3) cts.Cancel();
        });
        Assert.Equal(3, received);
        var response = await _model.GetResponseAsync(OnceUponATime, Greedy(10));
        Assert.StartsWith(", there was a little girl", response.Text);
    }

    [Fact]
    public async Task Leaving_a_stream_early_frees_the_model_for_the_next_call()
    {
        await foreach (var update in _model.GetStreamingResponseAsync(OnceUponATime, Greedy(100)))
            if (update.Text.Length > 0) break;
        var next = _model.GetResponseAsync(OnceUponATime, Greedy(5));
        Assert.Same(next, await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(30))));
        Assert.StartsWith(", there was", (await next).Text);
    }

    [Fact]
    public async Task The_next_turn_reuses_the_cached_prefix()
    {
        var first = await _model.GetResponseAsync(OnceUponATime, Greedy(16));
        List<ChatMessage> conversation = [.. OnceUponATime, first.Messages[0], new(ChatRole.User, " One day")];
        var second = await _model.GetResponseAsync(conversation, Greedy(8));
        var timings = Assert.IsType<GenerationTimings>(second.AdditionalProperties![ChatOptionKeys.Timings]);
        Assert.Equal(_model.CountPromptTokens(conversation), timings.PromptTokens);
        Assert.True(timings.CachedPromptTokens >= 5, $"cached {timings.CachedPromptTokens} of {timings.PromptTokens}");
        Assert.True(timings.PromptTokens - timings.CachedPromptTokens < timings.PromptTokens / 2,
            $"evaluated {timings.PromptTokens - timings.CachedPromptTokens} of {timings.PromptTokens}");
        Assert.Equal(timings.CachedPromptTokens, second.Usage!.CachedInputTokenCount);
    }

    [Fact]
    public async Task Logprobs_come_with_the_text_of_each_update()
    {
        var options = Greedy(12, o => o.AdditionalProperties = new() { [ChatOptionKeys.Logprobs] = true, [ChatOptionKeys.TopLogprobs] = 3 });
        var (text, updates) = await Stream(_model, OnceUponATime, options);
        var logprobs = updates.SelectMany(u => u.AdditionalProperties?.TryGetValue(ChatOptionKeys.LogprobsContent, out var v) == true
            ? (IReadOnlyList<TokenLogprob>)v! : []).ToList();
        Assert.Equal(12, logprobs.Count);
        Assert.Equal(text, string.Concat(logprobs.Select(l => l.Token)));
        Assert.All(logprobs, l =>
        {
            Assert.Equal(3, l.TopLogprobs.Count);
            Assert.Equal(l.TokenId, l.TopLogprobs[0].TokenId); // greedy picks the most likely
            Assert.InRange(l.Logprob, -20f, 0f);
            Assert.True(l.TopLogprobs[0].Logprob >= l.TopLogprobs[1].Logprob);
        });
        var response = await _model.GetResponseAsync(OnceUponATime, options);
        Assert.Equal(12, Assert.IsAssignableFrom<IReadOnlyList<TokenLogprob>>(response.AdditionalProperties![ChatOptionKeys.LogprobsContent]).Count);
    }

    [Fact]
    public async Task Logit_bias_from_json_bans_a_token()
    {
        var comma = _model.Tokenizer.FindToken(",")!.Value;
        var bias = JsonDocument.Parse($"{{\"{comma}\": -100}}").RootElement;
        var response = await _model.GetResponseAsync(OnceUponATime, Greedy(10, o => o.AdditionalProperties = new() { [ChatOptionKeys.LogitBias] = bias }));
        Assert.DoesNotContain(",", response.Text);
    }

    [Fact]
    public async Task Context_overflow_is_reported_before_generating()
    {
        var window = _model.ContextWindow;
        var longStory = string.Concat(Enumerable.Repeat("Once upon a time there was a dog. ", window / 4));
        var error = await Assert.ThrowsAsync<ContextOverflowException>(() => _model.GetResponseAsync([new(ChatRole.User, longStory)], Greedy(10)));
        Assert.Equal(window, error.ContextWindow);
        Assert.True(error.PromptTokens >= window);

        var tooMany = await Assert.ThrowsAsync<ContextOverflowException>(() => _model.GetResponseAsync(OnceUponATime, Greedy(window)));
        Assert.Equal(window, tooMany.RequestedTokens);
    }

    [Fact]
    public async Task Without_max_tokens_generation_stops_at_the_window_edge_with_length()
    {
        using var small = ChatModel.Load(TestModels.Path("stories260K.gguf"), new ChatModelOptions { ContextLength = 24, Threads = 1 });
        var response = await small.GetResponseAsync(OnceUponATime, new ChatOptions { Temperature = 0 });
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(24, response.Usage!.TotalTokenCount);
        Assert.StartsWith(", there was a little girl", response.Text);
    }

    [Fact]
    public async Task Concurrent_requests_take_turns()
    {
        var replies = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _model.GetResponseAsync(OnceUponATime, Greedy(12))));
        Assert.All(replies, r => Assert.Equal(replies[0].Text, r.Text));
    }

    [Fact]
    public async Task Bad_options_are_argument_errors()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => _model.GetResponseAsync(OnceUponATime, new ChatOptions { TopP = 0 }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => _model.GetResponseAsync(OnceUponATime,
            new ChatOptions { AdditionalProperties = new() { [ChatOptionKeys.LogitBias] = new Dictionary<int, float> { [100_000] = 1 } } }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => _model.GetResponseAsync([], Greedy(1)));
    }
}
