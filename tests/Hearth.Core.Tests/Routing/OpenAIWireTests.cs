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
}
