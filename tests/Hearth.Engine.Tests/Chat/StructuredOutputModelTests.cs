using System.Text.Json;
using Hearth.Engine.Chat;
using Hearth.Engine.Grammar;
using Hearth.Engine.Tests.Grammar;
using Hearth.Tests;
using Microsoft.Extensions.AI;

namespace Hearth.Engine.Tests.Chat;

/// <summary>The two smallest random-weight models, loaded once: they know nothing of JSON, so valid output proves the constraint.</summary>
public sealed class TinyModelsFixture : IDisposable
{
    public ChatModel Stories { get; } = ChatModel.Load(TestModels.Path("stories260K.gguf"), new ChatModelOptions { Threads = 1, ContextLength = 256 });
    public ChatModel Llama2 { get; } = ChatModel.Load(TestModels.Path("tiny-llama2-spm-q4_0.gguf"), new ChatModelOptions { Threads = 1, ContextLength = 256 });

    public void Dispose()
    {
        Stories.Dispose();
        Llama2.Dispose();
    }
}

/// <summary>
/// response_format through <see cref="ChatModel"/>: over a thousand sampled generations (temperature 1, no truncation,
/// a new seed each) across 26 schemas and two vocabularies, every one parses and validates against its schema
/// (checked by an independent validator). Unconstrained, the same models do not even write JSON.
/// </summary>
public sealed class StructuredOutputModelTests(TinyModelsFixture models) : IClassFixture<TinyModelsFixture>
{
    static readonly string[] SchemaList =
    [
        """{"type":"object"}""",
        """{"type":"object","properties":{"name":{"type":"string","maxLength":8},"age":{"type":"integer"}},"required":["name","age"]}""",
        """{"enum":["red","green","blue",3,null]}""",
        """{"const":{"k":[1,2],"ok":true}}""",
        """{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":4}""",
        """{"type":"array","items":{"type":"number"},"maxItems":3}""",
        """{"type":"string","format":"date"}""",
        """{"type":"string","format":"uuid"}""",
        """{"type":"string","pattern":"^[A-Z]{2}-\\d{3}$"}""",
        """{"type":"string","minLength":2,"maxLength":5}""",
        """{"anyOf":[{"type":"integer"},{"type":"string","enum":["n/a"]}]}""",
        """{"type":["string","null"],"maxLength":6}""",
        """{"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"next":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]}},"required":["v","next"]}}}""",
        """{"type":"integer","minimum":0}""",
        """{"type":"object","additionalProperties":{"type":"integer"}}""",
        """{"type":"array","prefixItems":[{"type":"string","maxLength":4},{"type":"integer"}],"items":false}""",
        """{"type":"boolean"}""",
        """{"type":"object","properties":{"user":{"type":"object","properties":{"id":{"type":"integer"},"tags":{"type":"array","items":{"type":"string","maxLength":4},"maxItems":2}},"required":["id","tags"]},"active":{"type":"boolean"}},"required":["user","active"]}""",
        """{"type":"string","format":"email"}""",
        """{"type":"string","format":"ipv4"}""",
        """{"type":"string","format":"date-time"}""",
        """{"type":"object","properties":{"kind":{"const":"point"},"x":{"type":"number"},"label":{"type":"string","maxLength":5}},"required":["kind","x"],"additionalProperties":false}""",
        """{"type":"array","items":{"type":"object","properties":{"id":{"type":"integer","minimum":1}},"required":["id"]},"maxItems":2}""",
        """{"type":"string","format":"time"}""",
        """{"type":"number","minimum":0}""",
        """{"allOf":[{"$ref":"#/$defs/p"}],"$defs":{"p":{"type":"object","properties":{"h":{"type":"string","format":"hostname"}},"required":["h"]}}}""",
    ];

    public static TheoryData<string> Schemas => new(SchemaList);

    const int PerSchemaStories = 32;
    const int PerSchemaLlama = 8;

    [Theory]
    [MemberData(nameof(Schemas))]
    public async Task Every_sampled_generation_is_valid(string schemaText)
    {
        using var schema = JsonDocument.Parse(schemaText);
        var format = ChatResponseFormat.ForJsonSchema(schema.RootElement.Clone(), "answer");
        foreach (var (model, count) in new[] { (models.Stories, PerSchemaStories), (models.Llama2, PerSchemaLlama) })
        {
            for (var i = 0; i < count; i++)
            {
                var response = await model.GetResponseAsync([new ChatMessage(ChatRole.User, $"Item {i}:")], Sampled(i, format));
                var text = response.Text;
                JsonDocument output;
                try { output = JsonDocument.Parse(text); }
                catch (JsonException e) { throw new Xunit.Sdk.XunitException($"{model.ModelId} seed {i}: not JSON ({e.Message}): {text}"); }
                using (output)
                {
                    var error = SchemaValidator.Validate(schema.RootElement, output.RootElement);
                    Assert.True(error is null, $"{model.ModelId} seed {i}: {error}: {text}");
                }
                Assert.NotEqual(ChatFinishReason.ToolCalls, response.FinishReason);
            }
        }
    }

    static ChatOptions Sampled(int seed, ChatResponseFormat? format) => new()
    {
        ResponseFormat = format,
        Temperature = 1,
        TopK = 0,
        TopP = 1,
        Seed = seed,
        MaxOutputTokens = 96,
        AdditionalProperties = new() { [ChatOptionKeys.MinP] = 0f },
    };

    [Fact]
    public async Task Json_mode_gives_an_object_and_unconstrained_output_is_not_json()
    {
        var objects = 0;
        for (var i = 0; i < 16; i++)
        {
            var text = (await models.Stories.GetResponseAsync([new ChatMessage(ChatRole.User, "Data:")], Sampled(i, ChatResponseFormat.Json))).Text;
            using var doc = JsonDocument.Parse(text);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
            objects++;
        }
        Assert.Equal(16, objects);

        // The control: the same requests without a response format do not come back as JSON objects.
        var parsed = 0;
        for (var i = 0; i < 16; i++)
        {
            var text = (await models.Stories.GetResponseAsync([new ChatMessage(ChatRole.User, "Data:")], Sampled(i, null))).Text;
            try { using var doc = JsonDocument.Parse(text); if (doc.RootElement.ValueKind == JsonValueKind.Object) parsed++; }
            catch (JsonException) { }
        }
        Assert.Equal(0, parsed);
    }

    [Fact]
    public async Task A_schema_that_cannot_be_enforced_is_refused_by_keyword()
    {
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"n":{"type":"integer","maximum":5}}}""");
        var options = new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema.RootElement.Clone(), "n"), MaxOutputTokens = 8 };
        var e = await Assert.ThrowsAsync<UnsupportedSchemaException>(() => models.Stories.GetResponseAsync([new ChatMessage(ChatRole.User, "x")], options));
        Assert.Equal("maximum", e.Keyword);
    }

    [Fact]
    public async Task Streamed_structured_output_is_the_non_streamed_output()
    {
        using var schema = JsonDocument.Parse(SchemaList[17]);
        var options = Sampled(7, ChatResponseFormat.ForJsonSchema(schema.RootElement.Clone(), "s"));
        var whole = await models.Llama2.GetResponseAsync([new ChatMessage(ChatRole.User, "User:")], options);
        var streamed = "";
        var updates = 0;
        await foreach (var u in models.Llama2.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "User:")], options))
        {
            streamed += u.Text;
            updates++;
        }
        Assert.Equal(whole.Text, streamed);
        Assert.True(updates > 3);
        Assert.Null(SchemaValidator.Validate(schema.RootElement, JsonDocument.Parse(streamed).RootElement));
    }
}
