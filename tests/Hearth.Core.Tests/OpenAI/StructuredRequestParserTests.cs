using System.Text;
using System.Text.Json;
using Hearth.Core.OpenAI;
using Microsoft.Extensions.AI;

namespace Hearth.Tests.OpenAI;

/// <summary>response_format, tools, tool_choice and parallel_tool_calls: parsed into ChatOptions, or refused naming the parameter.</summary>
public class StructuredRequestParserTests
{
    const string Head = """{"model":"m","messages":[{"role":"user","content":"x"}]""";
    const string Weather = """{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}""";
    const string Odd = """{"type":"function","function":{"name":"odd","parameters":{"type":"object","properties":{"n":{"type":"integer","maximum":9}}}}}""";

    static ChatCompletionRequest Parse(string rest) => ChatRequestParser.Parse(Encoding.UTF8.GetBytes(Head + rest + "}"));

    static ApiException Refused(string rest) => Assert.Throws<ApiException>(() => Parse(rest));

    [Fact]
    public void Response_formats_become_chat_response_formats()
    {
        Assert.IsType<ChatResponseFormatText>(Parse(""","response_format":{"type":"text"}""").Options.ResponseFormat);
        var json = Assert.IsType<ChatResponseFormatJson>(Parse(""","response_format":{"type":"json_object"}""").Options.ResponseFormat);
        Assert.Null(json.Schema);

        var schema = Assert.IsType<ChatResponseFormatJson>(Parse("""
            ,"response_format":{"type":"json_schema","json_schema":{"name":"person","description":"A person","strict":true,
              "schema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"],"additionalProperties":false}}}
            """).Options.ResponseFormat);
        Assert.Equal(("person", "A person"), (schema.SchemaName, schema.SchemaDescription));
        Assert.Equal("string", schema.Schema!.Value.GetProperty("properties").GetProperty("name").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("""{"type":"json_schema","json_schema":{"name":"n","schema":{"oneOf":[{"type":"string"}]}}}""", "oneOf", "unsupported_parameter")]
    [InlineData("""{"type":"json_schema","json_schema":{"name":"n","schema":{"type":"string","format":"ipv6"}}}""", "format", "unsupported_parameter")]
    [InlineData("""{"type":"json_schema","json_schema":{"name":"n","schema":{"type":"integer","maximum":3}}}""", "maximum", "unsupported_parameter")]
    [InlineData("""{"type":"json_schema","json_schema":{"name":"n","schema":{"$ref":"#/$defs/missing"}}}""", "$ref", "invalid_value")]
    [InlineData("""{"type":"json_schema","json_schema":{"schema":{"type":"string"}}}""", "name", "missing_required_parameter")]
    [InlineData("""{"type":"json_schema","json_schema":{"name":"bad name!","schema":{"type":"string"}}}""", "name", "invalid_value")]
    [InlineData("""{"type":"json_schema"}""", "json_schema", "missing_required_parameter")]
    [InlineData("""{"type":"json_schema","json_schema":{"name":"n","schema":[1]}}""", "schema", "invalid_type")]
    [InlineData("""{"type":"yaml"}""", "yaml", "invalid_value")]
    [InlineData("""{"format":"json"}""", "type", "invalid_type")]
    public void A_response_format_that_cannot_be_honoured_is_a_400_on_response_format(string format, string mentioned, string code)
    {
        var e = Refused(""","response_format":""" + format);
        Assert.Equal((400, code), (e.Status, e.Code));
        Assert.StartsWith("response_format", e.Param);
        Assert.Contains(mentioned, e.Message);
    }

    [Fact]
    public void Tool_choice_and_parallel_tool_calls_are_honoured()
    {
        var r = Parse($""","tools":[{Weather},{Odd}],"tool_choice":"required","parallel_tool_calls":false""".Replace("\"odd\"", "\"get_time\"").Replace(",\"maximum\":9", ""));
        Assert.Equal(ChatToolMode.RequireAny, r.Options.ToolMode);
        Assert.False(r.Options.AllowMultipleToolCalls);
        var named = Parse(""","tools":[WEATHER],"tool_choice":{"type":"function","function":{"name":"get_weather"}}""".Replace("WEATHER", Weather));
        Assert.Equal("get_weather", Assert.IsType<RequiredChatToolMode>(named.Options.ToolMode).RequiredFunctionName);
        Assert.Equal(ChatToolMode.None, Parse($""","tools":[{Odd}],"tool_choice":"none" """).Options.ToolMode);
        // An unenforceable schema is fine where no call is forced: it is only shown to the model.
        Assert.Single(Parse($""","tools":[{Odd}]""").Options.Tools!);
        var strict = Parse($""","tools":[{Weather.Replace("\"name\":\"get_weather\"", "\"name\":\"get_weather\",\"strict\":true")}],"tool_choice":"required" """);
        Assert.Single(strict.Options.Tools!);
    }

    [Theory]
    [InlineData(""","tool_choice":"required" """, "tool_choice", "invalid_value")]
    [InlineData(""","tools":[WEATHER],"tool_choice":{"type":"function","function":{"name":"nope"}}""", "tool_choice", "invalid_value")]
    [InlineData(""","tools":[WEATHER],"tool_choice":{"type":"custom","function":{"name":"get_weather"}}""", "tool_choice", "invalid_value")]
    [InlineData(""","tools":[ODD],"tool_choice":"required" """, "tools", "unsupported_parameter")]
    [InlineData(""","tools":[ODD],"tool_choice":{"type":"function","function":{"name":"odd"}}""", "tools", "unsupported_parameter")]
    [InlineData(""","tools":[WEATHER,WEATHER]""", "tools", "invalid_value")]
    [InlineData(""","tools":[{"type":"function","function":{"name":"has space"}}]""", "tools", "invalid_value")]
    [InlineData(""","tools":[{"type":"function","function":{"name":"f","strict":true}}]""", "tools", "unsupported_parameter")]
    [InlineData(""","tools":[{"type":"function","function":{"name":"f","parameters":"{}"}}]""", "tools.function.parameters", "invalid_type")]
    [InlineData(""","tools":[{"type":"function","function":{"name":"f","returns":{}}}]""", "tools.function.returns", "unsupported_parameter")]
    [InlineData(""","parallel_tool_calls":"yes" """, "parallel_tool_calls", "invalid_type")]
    public void Tools_that_cannot_be_honoured_are_a_400_naming_the_parameter(string rest, string param, string code)
    {
        var e = Refused(rest.Replace("WEATHER", Weather).Replace("ODD", Odd));
        Assert.Equal((400, param, code), (e.Status, e.Param, e.Code));
        if (rest.Contains("ODD")) Assert.Contains("maximum", e.Message);
    }
}
