using Hearth.Engine.Chat;
using Hearth.Tests;
using Microsoft.Extensions.AI;

namespace Hearth.Engine.Tests.Chat;

/// <summary>A model with a chat template (tiny Qwen2, random weights): the prompt is the template's, special tokens parsed.</summary>
public class ChatTemplateModelTests
{
    [Fact]
    public async Task Qwen_prompt_is_rendered_with_its_template_and_generation_runs()
    {
        using var model = ChatModel.Load(TestModels.Path("tiny-qwen2-q8_0.gguf"), new ChatModelOptions { ContextLength = 256, Threads = 1 });
        Assert.True(model.HasChatTemplate);
        Assert.Equal(256, model.ContextWindow);
        List<ChatMessage> messages = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "What is the capital of France?")];
        var text = model.RenderPrompt(messages);
        Assert.Equal("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n", text);

        var tokens = model.Tokenizer.Encode(text, addSpecial: true, parseSpecial: true);
        Assert.Equal(tokens.Length, model.CountPromptTokens(messages));
        Assert.Equal(model.Tokenizer.FindToken("<|im_start|>"), tokens[0]);

        var response = await model.GetResponseAsync(messages, new ChatOptions { Temperature = 0, MaxOutputTokens = 3 });
        Assert.Equal(tokens.Length, response.Usage!.InputTokenCount);
        Assert.InRange(response.Usage.OutputTokenCount!.Value, 1, 3);
        Assert.NotNull(response.FinishReason);

        var (streamed, finish) = ("", (ChatFinishReason?)null);
        await foreach (var u in model.GetStreamingResponseAsync(messages, new ChatOptions { Temperature = 0, MaxOutputTokens = 3 }))
        {
            streamed += u.Text;
            finish ??= u.FinishReason;
        }
        Assert.Equal(response.Text, streamed);
        Assert.Equal(response.FinishReason, finish);
    }

    [Fact]
    public void Loading_a_missing_file_fails_clearly()
    {
        Assert.ThrowsAny<IOException>(() => ChatModel.Load(TestModels.Path("no-such-model.gguf")));
    }
}
