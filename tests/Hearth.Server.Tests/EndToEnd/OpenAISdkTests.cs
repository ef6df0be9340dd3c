using System.ClientModel;
using Hearth.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace Hearth.Tests.EndToEnd;

/// <summary>The official OpenAI .NET SDK, pointed at Hearth, chats with and without streaming.</summary>
public sealed class OpenAISdkTests(EngineServer engine) : IClassFixture<EngineServer>
{
    ChatClient Client() => new(engine.ModelId, new ApiKeyCredential("unused"),
        new OpenAIClientOptions { Endpoint = new Uri(engine.Server.BaseAddress, "v1") });

    [Fact]
    public async Task Completes_a_chat()
    {
        ChatCompletion completion = await Client().CompleteChatAsync(
            [new SystemChatMessage("You tell stories."), new UserChatMessage("Once upon a time")],
            new ChatCompletionOptions { MaxOutputTokenCount = 16, Temperature = 0 });
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.InRange(completion.Usage.OutputTokenCount, 1, 16);
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.Contains(completion.FinishReason, new[] { ChatFinishReason.Stop, ChatFinishReason.Length });
    }

    [Fact]
    public async Task Streams_a_chat_with_usage()
    {
        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in Client().CompleteChatStreamingAsync(
            [new UserChatMessage("Once upon a time")], new ChatCompletionOptions { MaxOutputTokenCount = 16, Temperature = 0 }))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            usage = update.Usage ?? usage;
            finish = update.FinishReason ?? finish;
        }
        Assert.False(string.IsNullOrWhiteSpace(text.ToString()));
        Assert.NotNull(finish);
        Assert.NotNull(usage);
        Assert.InRange(usage!.OutputTokenCount, 1, 16);
    }

    [Fact]
    public async Task Sdk_sees_openai_errors()
    {
        var e = await Assert.ThrowsAsync<ClientResultException>(() => new ChatClient("no-such-model", new ApiKeyCredential("unused"),
            new OpenAIClientOptions { Endpoint = new Uri(engine.Server.BaseAddress, "v1") }).CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(404, e.Status);
        Assert.Contains("model_not_found", e.Message);
    }
}
