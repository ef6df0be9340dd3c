using System.Text;
using Hearth.Core.OpenAI;
using Hearth.Engine.Chat;
using Microsoft.Extensions.AI;

namespace Hearth.Tests.OpenAI;

public class ChatRequestParserTests
{
    static ChatCompletionRequest Parse(string json) => ChatRequestParser.Parse(Encoding.UTF8.GetBytes(json));

    static ApiException Refused(string json) => Assert.Throws<ApiException>(() => Parse(json));

    [Fact]
    public void Maps_every_sampling_parameter_to_chat_options()
    {
        var r = Parse("""
            {"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hi "},{"type":"text","text":"there"}]}],
             "temperature":0.5,"top_p":0.9,"max_completion_tokens":7,"stop":["\n","END"],"seed":42,"frequency_penalty":0.1,"presence_penalty":-0.2,
             "logit_bias":{"13":-100,"7":2.5},"logprobs":true,"top_logprobs":3,"stream":true,"stream_options":{"include_usage":true},"n":1,"user":"u1","top_k":40,"min_p":0.05}
            """);
        Assert.Equal("m", r.Model);
        Assert.True(r.Stream);
        Assert.True(r.IncludeUsage);
        Assert.Equal([ChatRole.System, ChatRole.User], r.Messages.Select(m => m.Role));
        Assert.Equal("hi there", r.Messages[1].Text);
        var o = r.Options;
        Assert.Equal(0.5f, o.Temperature);
        Assert.Equal(0.9f, o.TopP);
        Assert.Equal(40, o.TopK);
        Assert.Equal(7, o.MaxOutputTokens);
        Assert.Equal(["\n", "END"], o.StopSequences!);
        Assert.Equal(42, o.Seed);
        Assert.Equal(0.1f, o.FrequencyPenalty);
        Assert.Equal(-0.2f, o.PresencePenalty);
        var bias = Assert.IsAssignableFrom<IReadOnlyDictionary<int, float>>(o.AdditionalProperties![ChatOptionKeys.LogitBias]);
        Assert.Equal(-100f, bias[13]);
        Assert.Equal(2.5f, bias[7]);
        Assert.Equal(true, o.AdditionalProperties[ChatOptionKeys.Logprobs]);
        Assert.Equal(3, o.AdditionalProperties[ChatOptionKeys.TopLogprobs]);
        Assert.Equal(0.05f, o.AdditionalProperties[ChatOptionKeys.MinP]);
    }

    [Fact]
    public void Max_tokens_and_single_stop_string_are_accepted()
    {
        var r = Parse("""{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":5,"stop":"###"}""");
        Assert.Equal(5, r.Options.MaxOutputTokens);
        Assert.Equal(["###"], r.Options.StopSequences!);
    }

    [Fact]
    public void Tool_messages_and_tool_calls_become_function_contents()
    {
        var r = Parse("""
            {"model":"m","messages":[
              {"role":"user","content":"weather?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]},
              {"role":"tool","tool_call_id":"c1","content":"rain"}],
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
             "tool_choice":"auto"}
            """);
        var call = Assert.IsType<FunctionCallContent>(Assert.Single(r.Messages[1].Contents));
        Assert.Equal(("c1", "get_weather"), (call.CallId, call.Name));
        Assert.Equal("Oslo", call.Arguments!["city"]!.ToString());
        var result = Assert.IsType<FunctionResultContent>(Assert.Single(r.Messages[2].Contents));
        Assert.Equal(("c1", "rain"), (result.CallId, result.Result));
        Assert.Equal("get_weather", Assert.Single(r.Options.Tools!).Name);
        Assert.Equal(ChatToolMode.Auto, r.Options.ToolMode);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"n":2}""", "n", "unsupported_parameter")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"}""", "temperature", "invalid_type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":3}""", "temperature", "invalid_value")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":1.5}""", "max_tokens", "invalid_type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0}""", "max_tokens", "invalid_value")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"top_logprobs":2}""", "top_logprobs", "invalid_value")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"logprobs":true,"top_logprobs":21}""", "top_logprobs", "invalid_value")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"logit_bias":{"a":1}}""", "logit_bias", "invalid_value")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"logit_bias":{"5":101}}""", "logit_bias", "invalid_value")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"xml"}}""", "response_format", "invalid_value")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"modalities":["audio"]}""", "modalities", "unsupported_parameter")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}}""", "stream_options", "invalid_value")]
    [InlineData("""{"model":"m","messages":[]}""", "messages", "invalid_value")]
    [InlineData("""{"model":"m","messages":"hi"}""", "messages", "invalid_type")]
    [InlineData("""{"model":"m","messages":[{"role":"wizard","content":"x"}]}""", "messages", "invalid_value")]
    [InlineData("""{"model":"m","messages":[{"role":"user"}]}""", "messages", "missing_required_parameter")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""", "messages", "unsupported_parameter")]
    [InlineData("""{"model":"m","messages":[{"role":"tool","content":"x"}]}""", "messages", "missing_required_parameter")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}]}""", "model", "missing_required_parameter")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"stop":[1]}""", "stop", "invalid_type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":1e400}""", "temperature", "invalid_value")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"seed":1e30}""", "seed", "invalid_type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"stop":["a","b","c","d","e"]}""", "stop", "invalid_value")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{}}]}""", "tools.function.name", "invalid_type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"sometimes"}""", "tool_choice", "invalid_value")]
    [InlineData("""{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"not json"}}]}]}""", "messages", "invalid_value")]
    public void Refuses_what_it_cannot_honour_naming_the_parameter(string json, string param, string code)
    {
        var e = Refused(json);
        Assert.Equal(400, e.Status);
        Assert.Equal("invalid_request_error", e.Type);
        Assert.Equal(param, e.Param);
        Assert.Equal(code, e.Code);
    }

    [Fact]
    public void Invalid_utf8_inside_a_string_is_invalid_json()
    {
        var body = Encoding.UTF8.GetBytes("""{"model":"m","messages":[{"role":"user","content":"x"}]}""");
        body[3] = 0xF5; // never valid in UTF-8
        var e = Assert.Throws<ApiException>(() => ChatRequestParser.Parse(body));
        Assert.Equal(400, e.Status);
        Assert.Equal("invalid_json", e.Code);
    }

    [Theory]
    [InlineData("{\"model\":")]
    [InlineData("[1,2]")]
    [InlineData("")]
    public void Malformed_json_is_a_400(string json)
    {
        var e = Refused(json);
        Assert.Equal((400, "invalid_json"), (e.Status, e.Code));
    }

    [Fact]
    public void Null_means_not_given()
    {
        var r = Parse("""{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":null,"n":null,"stop":null}""");
        Assert.Null(r.Options.Temperature);
        Assert.Null(r.Options.StopSequences);
    }
}
