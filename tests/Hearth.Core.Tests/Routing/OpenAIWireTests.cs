using System.Text.Json;
using Hearth.Client;
using Microsoft.Extensions.AI;

namespace Hearth.Tests.Routing;

/// <summary>What a remote OpenAI-compatible provider is sent: the request's structured-output and tool settings too.</summary>
public sealed class OpenAIWireTests
{
    static JsonElement Body(ChatOptions options) =>
        JsonDocument.Parse(OpenAIWire.RequestBody("m", [new ChatMessage(ChatRole.User, "hi")], options)).RootElement;

    [Fact]
    public void A_json_schema_response_format_is_forwarded_with_its_name_and_schema()
    {
        var schema = JsonDocument.Parse("""{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}""").RootElement;
        var body = Body(new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "count", "a count") });
        var format = body.GetProperty("response_format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        Assert.Equal("count", format.GetProperty("json_schema").GetProperty("name").GetString());
        Assert.Equal("a count", format.GetProperty("json_schema").GetProperty("description").GetString());
        Assert.Equal(schema.GetRawText(), format.GetProperty("json_schema").GetProperty("schema").GetRawText());
    }

    [Fact]
    public void Json_mode_and_text_are_forwarded_and_no_format_sends_none()
    {
        Assert.Equal("json_object", Body(new ChatOptions { ResponseFormat = ChatResponseFormat.Json }).GetProperty("response_format").GetProperty("type").GetString());
        Assert.Equal("text", Body(new ChatOptions { ResponseFormat = ChatResponseFormat.Text }).GetProperty("response_format").GetProperty("type").GetString());
        Assert.False(Body(new ChatOptions()).TryGetProperty("response_format", out _));
    }

    [Fact]
    public void Logit_bias_min_p_and_repeat_penalty_are_forwarded_when_set()
    {
        var body = Body(new ChatOptions
        {
            AdditionalProperties = new() { ["logit_bias"] = new Dictionary<int, float> { [42] = -100f }, ["min_p"] = 0.05f, ["repeat_penalty"] = 1.1f },
        });
        Assert.Equal(-100, body.GetProperty("logit_bias").GetProperty("42").GetSingle());
        Assert.Equal(0.05f, body.GetProperty("min_p").GetSingle());
        Assert.Equal(1.1f, body.GetProperty("repeat_penalty").GetSingle());
        Assert.False(Body(new ChatOptions()).TryGetProperty("min_p", out _));
    }
}
