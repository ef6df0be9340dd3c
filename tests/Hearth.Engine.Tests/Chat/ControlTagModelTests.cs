using System.Text.Json;
using Hearth.Engine.Chat;
using Hearth.Engine.Gguf;
using Hearth.Tests;
using Microsoft.Extensions.AI;

namespace Hearth.Engine.Tests.Chat;

/// <summary>
/// A vocabulary whose tool-call tags are control tokens (as some Hermes GGUFs have them): the tiny Qwen2 rewritten so
/// its padding tokens 151657 and 151658 (where real Qwen2.5 has them) are <c>&lt;tool_call&gt;</c> and
/// <c>&lt;/tool_call&gt;</c>, typed control. The output shows those tokens'
/// text, so the parser sees calls, and a forced call may use them.
/// </summary>
public sealed class ControlTagModelTests(ControlTagModelTests.Fixture fixture) : IClassFixture<ControlTagModelTests.Fixture>
{
    readonly ChatModel _model = fixture.Model;
    readonly int _open = fixture.Open;

    /// <summary>The rewritten model, written and loaded once for the class.</summary>
    public sealed class Fixture : IDisposable
    {
        readonly string _path = Path.Combine(Path.GetTempPath(), $"hearth-control-tags-{Guid.NewGuid():N}.gguf");
        public ChatModel Model { get; }
        public int Open { get; }

        public Fixture()
        {
            using (var source = GgufFile.Open(TestModels.Path("tiny-qwen2-q8_0.gguf")))
            {
                var tokens = source.GetArray<string>("tokenizer.ggml.tokens")!.ToArray();
                var types = source.GetArray<int>("tokenizer.ggml.token_type")!.ToArray();
                Assert.Equal(("[PAD151657]", "[PAD151658]"), (tokens[151657], tokens[151658]));
                (tokens[151657], tokens[151658]) = ("<tool_call>", "</tool_call>");
                (types[151657], types[151658]) = (3, 3); // control
                var writer = new GgufWriter { Alignment = source.Alignment };
                foreach (var (key, value) in source.Metadata)
                {
                    writer.AddValue(key, key switch
                    {
                        "tokenizer.ggml.tokens" => new GgufValue(GgufValueType.Array, tokens, GgufValueType.String),
                        "tokenizer.ggml.token_type" => new GgufValue(GgufValueType.Array, types, GgufValueType.Int32),
                        _ => value,
                    });
                }
                foreach (var t in source.Tensors) writer.AddTensor(t.Name, t.Type, t.Dims, source.GetTensorData(t).ToArray());
                writer.Write(_path);
            }
            Model = ChatModel.Load(_path, new ChatModelOptions { Threads = 1, ContextLength = 768 });
            Open = Model.Tokenizer.FindToken("<tool_call>")!.Value;
            Assert.True(Model.Tokenizer.IsControl(Open));
        }

        public void Dispose()
        {
            Model.Dispose();
            File.Delete(_path);
        }
    }

    static readonly AIFunctionDeclaration Weather = AIFunctionFactory.CreateDeclaration("get_weather", null,
        JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string","maxLength":6}},"required":["city"]}""").RootElement);

    ChatOptions Options(ChatToolMode mode) => new()
    {
        Tools = [Weather],
        ToolMode = mode,
        Temperature = 0,
        MaxOutputTokens = 48,
        AdditionalProperties = new()
        {
            [ChatOptionKeys.LogitBias] = new Dictionary<int, float> { [_open] = 100 }, // the model reaches for the tag token
            [ChatOptionKeys.Logprobs] = true,
        },
    };

    [Fact]
    public async Task A_forced_call_may_use_the_control_tag_and_still_parses()
    {
        Assert.Equal("hermes", _model.ToolCallFormat?.Name);
        var response = await _model.GetResponseAsync([new ChatMessage(ChatRole.User, "Weather?")], Options(ChatToolMode.RequireAny));
        var logprobs = (IReadOnlyList<TokenLogprob>)response.AdditionalProperties![ChatOptionKeys.LogprobsContent]!;
        Assert.Equal(_open, logprobs[0].TokenId);
        Assert.Equal("get_weather", Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>()).Name);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
    }

    [Fact]
    public async Task In_auto_mode_a_call_the_model_starts_with_the_tag_is_held_to_its_schema()
    {
        var response = await _model.GetResponseAsync([new ChatMessage(ChatRole.User, "Weather?")], Options(ChatToolMode.Auto));
        var logprobs = (IReadOnlyList<TokenLogprob>)response.AdditionalProperties![ChatOptionKeys.LogprobsContent]!;
        Assert.Equal(_open, logprobs[0].TokenId);
        // The tag's text reached the parser (it is a control token), and what followed it was held to the envelope.
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        Assert.NotEmpty(calls);
        Assert.All(calls, c => Assert.Equal(JsonValueKind.String, ((JsonElement)c.Arguments!["city"]!).ValueKind));
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal("", response.Text);
    }
}
