using System.Text.Json;
using Hearth.Engine.Chat;
using Hearth.Engine.Tests.Grammar;
using Hearth.Engine.Tools;
using Hearth.Tests;
using Microsoft.Extensions.AI;

namespace Hearth.Engine.Tests.Chat;

/// <summary>
/// Tools through <see cref="ChatModel"/> on random-weight models with real chat templates: forced calls come back as
/// <see cref="FunctionCallContent"/> whose arguments follow the parameters schema, in the template's own format; the
/// call and its result go back through the template; streaming gives the same calls.
/// </summary>
public sealed class ToolCallingModelTests(ToolCallingModelTests.QwenFixture qwen) : IClassFixture<ToolCallingModelTests.QwenFixture>
{
    /// <summary>The tiny Qwen2 with its own (Qwen2.5) template, loaded once for the class.</summary>
    public sealed class QwenFixture : IDisposable
    {
        public ChatModel Model { get; } = Load("tiny-qwen2-q8_0.gguf", null);
        public void Dispose() => Model.Dispose();
    }

    const string WeatherSchema = """{"type":"object","properties":{"city":{"type":"string","maxLength":8},"unit":{"enum":["C","F"]}},"required":["city"]}""";
    const string TimeSchema = """{"type":"object","properties":{"zone":{"enum":["UTC","CET"]}},"required":["zone"]}""";

    static readonly AIFunctionDeclaration Weather = AIFunctionFactory.CreateDeclaration("get_weather", "Weather in a city", JsonDocument.Parse(WeatherSchema).RootElement);
    static readonly AIFunctionDeclaration Time = AIFunctionFactory.CreateDeclaration("get_time", "Time in a zone", JsonDocument.Parse(TimeSchema).RootElement);

    /// <summary>Model file, template override (null: the file's), the format it must be detected as.</summary>
    public static TheoryData<string, string?, string> Templates => new()
    {
        { "tiny-qwen2-q8_0.gguf", null, "hermes" },
        { "tiny-qwen2-q8_0.gguf", "Qwen-Qwen3-0.6B.jinja", "hermes" },
        { "tiny-llama3-bpe-q4_k_m.gguf", "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja", "hermes" },
        { "tiny-llama3-bpe-q4_k_m.gguf", null, "llama3-json" },
        { "tiny-llama3-bpe-q4_k_m.gguf", "meta-llama-Llama-3.1-8B-Instruct.jinja", "llama3-json" },
        { "tiny-llama3-bpe-q4_k_m.gguf", "mistralai-Mistral-Nemo-Instruct-2407.jinja", "mistral" },
    };

    static ChatModel Load(string file, string? template) => ChatModel.Load(TestModels.Path(file), new ChatModelOptions
    {
        Threads = 1,
        ContextLength = 768,
        ChatTemplate = template is null ? null : File.ReadAllText(TestModels.Path("templates/" + template)),
    });

    static ChatOptions Options(ChatToolMode mode, int seed, bool parallel = false, int maxTokens = 64) => new()
    {
        Tools = [Weather, Time],
        ToolMode = mode,
        AllowMultipleToolCalls = parallel,
        Temperature = 1,
        TopK = 0,
        Seed = seed,
        MaxOutputTokens = maxTokens,
    };

    static List<ChatMessage> Question => [new(ChatRole.User, "What is the weather in Oslo?")];

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task A_forced_call_round_trips_through_the_template(string file, string? template, string formatName)
    {
        using var loaded = file == "tiny-qwen2-q8_0.gguf" && template is null ? null : Load(file, template);
        var model = loaded ?? qwen.Model;
        Assert.Equal(formatName, model.ToolCallFormat?.Name);
        Assert.Contains("get_weather", model.RenderPrompt(Question, Options(ChatToolMode.Auto, 0))); // the template shows the tools

        var response = await model.GetResponseAsync(Question, Options(ChatToolMode.RequireSpecific("get_weather"), seed: 1));
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        var raw = Assert.IsType<ToolCall>(call.RawRepresentation);
        AssertValid(WeatherSchema, raw.Arguments);
        Assert.Equal("", response.Text);

        // The call and its result go back through the template, which renders both; the next turn generates.
        List<ChatMessage> next = [.. Question, new(ChatRole.Assistant, [call]),
            new(ChatRole.Tool, [new FunctionResultContent(call.CallId, "Sunny, 21 degrees")])];
        var prompt = model.RenderPrompt(next, Options(ChatToolMode.Auto, 0));
        Assert.Contains("Sunny, 21 degrees", prompt);
        Assert.Contains(((JsonElement)call.Arguments!["city"]!).GetString()!, prompt);
        var answer = await model.GetResponseAsync(next, Options(ChatToolMode.None, 2, maxTokens: 4));
        Assert.NotNull(answer.FinishReason);
        Assert.Empty(answer.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
    }

    [Fact]
    public async Task Required_always_calls_and_streaming_gives_the_same_calls()
    {
        var model = qwen.Model;
        for (var seed = 0; seed < 2; seed++)
        {
            var options = Options(ChatToolMode.RequireAny, seed, parallel: seed % 2 == 1);
            var response = await model.GetResponseAsync(Question, options);
            var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            Assert.NotEmpty(calls);
            if (seed % 2 == 0) Assert.Single(calls);
            Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
            foreach (var c in calls) AssertValid(c.Name == "get_weather" ? WeatherSchema : TimeSchema, ((ToolCall)c.RawRepresentation!).Arguments);

            var streamed = new List<FunctionCallContent>();
            var text = "";
            ChatFinishReason? finish = null;
            await foreach (var u in model.GetStreamingResponseAsync(Question, options))
            {
                streamed.AddRange(u.Contents.OfType<FunctionCallContent>());
                text += u.Text;
                finish ??= u.FinishReason;
            }
            Assert.Equal(response.Text, text);
            Assert.Equal(response.FinishReason, finish);
            Assert.Equal(calls.Select(Shape), streamed.Select(Shape));
        }

        static (string, string) Shape(FunctionCallContent c) => (c.Name, ((ToolCall)c.RawRepresentation!).Arguments);
    }

    [Fact]
    public async Task Auto_with_a_response_format_gives_either_calls_or_the_json_answer()
    {
        var model = qwen.Model;
        const string answerSchema = """{"type":"object","properties":{"answer":{"type":"string","maxLength":6}},"required":["answer"]}""";
        for (var seed = 0; seed < 3; seed++)
        {
            var options = Options(ChatToolMode.Auto, seed);
            options.ResponseFormat = ChatResponseFormat.ForJsonSchema(JsonDocument.Parse(answerSchema).RootElement, "a");
            var response = await model.GetResponseAsync(Question, options);
            var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            if (calls.Count > 0) Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
            else AssertValid(answerSchema, response.Text);
        }
    }

    [Fact]
    public async Task Tool_choice_none_hides_the_tools_and_a_model_without_a_format_refuses_them()
    {
        var model = qwen.Model;
        Assert.DoesNotContain("get_weather", model.RenderPrompt(Question, Options(ChatToolMode.None, 0)));
        Assert.True(model.CountPromptTokens(Question, Options(ChatToolMode.Auto, 0)) > model.CountPromptTokens(Question, Options(ChatToolMode.None, 0)));
        Assert.True(model.Info.CountPromptTokensWithOptions!(Question, Options(ChatToolMode.Auto, 0)) > model.Info.CountPromptTokens(Question));

        var named = await Assert.ThrowsAsync<ArgumentException>(() => model.GetResponseAsync(Question, Options(ChatToolMode.RequireSpecific("nope"), 0)));
        Assert.Equal("tool_choice", named.ParamName);

        using var stories = ChatModel.Load(TestModels.Path("stories260K.gguf"), new ChatModelOptions { Threads = 1 });
        Assert.Null(stories.ToolCallFormat);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => stories.GetResponseAsync(Question, Options(ChatToolMode.Auto, 0)));
        Assert.Equal("tools", e.ParamName);
    }

    static void AssertValid(string schema, string json)
    {
        using var s = JsonDocument.Parse(schema);
        using var value = JsonDocument.Parse(json);
        Assert.Null(SchemaValidator.Validate(s.RootElement, value.RootElement));
    }
}
