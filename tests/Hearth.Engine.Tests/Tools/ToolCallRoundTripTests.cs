using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Engine.Templates;
using Hearth.Engine.Tools;
using Hearth.Tests;

namespace Hearth.Engine.Tests.Tools;

/// <summary>
/// An assistant message with tool_calls, rendered through each model's real chat template, is what a model trained on
/// that template writes: the parser must read those calls back exactly, however the text arrives in chunks.
/// </summary>
public class ToolCallRoundTripTests
{
    /// <summary>Template file, its end-of-turn text, whether it renders content beside calls, whether it allows several calls.</summary>
    public static TheoryData<string, string, bool, bool> Templates => new()
    {
        { "Qwen-Qwen2.5-7B-Instruct.jinja", "<|im_end|>", true, true },
        { "Qwen-Qwen3-0.6B.jinja", "<|im_end|>", true, true },
        { "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja", "<|im_end|>", false, true },
        { "meta-llama-Llama-3.1-8B-Instruct.jinja", "<|eot_id|>", false, false },
        { "meta-llama-Llama-3.2-3B-Instruct.jinja", "<|eot_id|>", false, false },
    };

    const string Tools = """
        [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather in a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}}, "required": ["city"]}}}]
        """;

    /// <summary>Arguments that try to break a parser: tags, braces and quotes inside strings, non-ASCII, nesting, empty.</summary>
    static readonly string[] Arguments =
    [
        """{"city": "Paris"}""",
        """{"city": "a</tool_call>b <tool_call> {\"x\": [1, 2]} }}", "unit": "ünï 🙂", "n": -1.5e3}""",
        """{"nested": {"k": [true, null, 1.5, {"d": "}"}], "e": {}}, "quote": "\\\"\\n"}""",
        """{}""",
    ];

    [Theory]
    [MemberData(nameof(Templates))]
    public void One_call_comes_back_exactly(string template, string endOfTurn, bool rendersContent, bool parallel)
    {
        _ = parallel;
        foreach (var arguments in Arguments)
        {
            foreach (var content in rendersContent ? new[] { "", "Let me look that up." } : [""])
            {
                var reply = RenderReply(template, endOfTurn, content, [("get_weather", arguments)]);
                var result = ToolStream.AssertChunkingInvariant(FormatOf(template), reply);
                AssertCalls(result, content, [("get_weather", arguments)]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void Several_calls_come_back_in_order(string template, string endOfTurn, bool rendersContent, bool parallel)
    {
        if (!parallel)
        {
            // Llama 3.1/3.2's template refuses several calls: the format is one call per reply.
            var error = Assert.Throws<TemplateRaisedException>(() => RenderReply(template, endOfTurn, "", [("a", "{}"), ("b", "{}")]));
            Assert.Contains("single tool-calls", error.Message);
            Assert.False(FormatOf(template).SupportsParallelCalls);
            return;
        }
        var calls = new[] { ("get_weather", Arguments[0]), ("get_time", Arguments[1]), ("get_weather", Arguments[2]) };
        string content = rendersContent ? "Checking both." : "";
        var reply = RenderReply(template, endOfTurn, content, calls);
        var result = ToolStream.AssertChunkingInvariant(FormatOf(template), reply);
        AssertCalls(result, content, calls);
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void A_forced_call_is_what_the_template_renders(string template, string endOfTurn, bool rendersContent, bool parallel)
    {
        _ = (rendersContent, parallel);
        var format = FormatOf(template);
        foreach (var arguments in Arguments)
        {
            var reply = RenderReply(template, endOfTurn, "", [("get_weather", arguments)]);
            var forced = format.ForcedCall("get_weather", """{"type": "object"}""");
            string argumentsText = reply[forced.Prefix.Length..^forced.Suffix.Length];
            Assert.Equal(forced.Prefix + argumentsText + forced.Suffix, reply);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(arguments), JsonNode.Parse(argumentsText)));
        }
    }

    static ToolCallFormat FormatOf(string template)
    {
        var format = ToolCallFormat.Detect(File.ReadAllText(TestModels.Path("templates/" + template)));
        Assert.NotNull(format);
        return format;
    }

    static void AssertCalls(ToolCallParseResult result, string content, (string Name, string Arguments)[] expected)
    {
        Assert.Equal(content, result.Content);
        Assert.Equal(expected.Length, result.ToolCalls.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal($"call_{i}", result.ToolCalls[i].Id);
            Assert.Equal(expected[i].Name, result.ToolCalls[i].Name);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected[i].Arguments), JsonNode.Parse(result.ToolCalls[i].Arguments)),
                $"{expected[i].Arguments} came back as {result.ToolCalls[i].Arguments}");
        }
    }

    /// <summary>
    /// Renders [user, assistant with the calls, tool answer] and cuts out what the model would have generated: the text
    /// after the generation prompt, up to the end-of-turn marker.
    /// </summary>
    static string RenderReply(string templateFile, string endOfTurn, string content, (string Name, string Arguments)[] calls)
    {
        var template = ChatTemplate.Parse(File.ReadAllText(TestModels.Path("templates/" + templateFile)));
        var toolCalls = calls.Select((c, i) => new JsonObject
        {
            ["id"] = $"call_{i}",
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = JsonNode.Parse(c.Arguments) },
        });
        var messages = new JsonArray
        {
            new JsonObject { ["role"] = "user", ["content"] = "What is the weather in Paris?" },
            new JsonObject { ["role"] = "assistant", ["content"] = content, ["tool_calls"] = new JsonArray([.. toolCalls]) },
            new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_0", ["content"] = "{\"temperature\": 18}" },
        };
        var tools = JsonDocument.Parse(Tools).RootElement;
        string Render(JsonArray list, bool generationPrompt) => template.Render(new TemplateContext
        {
            Messages = JsonDocument.Parse(list.ToJsonString()).RootElement,
            Tools = tools,
            AddGenerationPrompt = generationPrompt,
            BosToken = "<s>",
            EosToken = "</s>",
        });

        string prompt = Render(new JsonArray(messages[0]!.DeepClone()), true);
        string full = Render(messages, false);
        Assert.StartsWith(prompt, full);
        string reply = full[prompt.Length..];
        int end = reply.IndexOf(endOfTurn, StringComparison.Ordinal);
        Assert.True(end >= 0, $"no {endOfTurn} after the reply");
        return reply[..end];
    }
}
