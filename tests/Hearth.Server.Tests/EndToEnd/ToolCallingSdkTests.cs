#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK
using System.ClientModel;
using System.Text;
using System.Text.Json;
using Hearth.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace Hearth.Tests.EndToEnd;

/// <summary>
/// The official OpenAI .NET SDK against a real server and real (random-weight) models: structured output and tool
/// calls, streamed and not, round trips through the template, and calls kept in conversation memory.
/// </summary>
public sealed class ToolCallingSdkTests(ToolServer fixture) : IClassFixture<ToolServer>
{
    const string WeatherSchema = """{"type":"object","properties":{"city":{"type":"string","maxLength":8},"days":{"type":"integer","minimum":1}},"required":["city"]}""";
    const string PersonSchema = """{"type":"object","properties":{"name":{"type":"string","maxLength":6},"age":{"type":"integer","minimum":0},"role":{"enum":["admin","user"]}},"required":["name","age","role"],"additionalProperties":false}""";

    ChatClient Client(string model) => new(model, new ApiKeyCredential("unused"),
        new OpenAIClientOptions { Endpoint = new Uri(fixture.Server.BaseAddress, "v1") });

    static ChatTool Weather => ChatTool.CreateFunctionTool("get_weather", "Weather in a city", BinaryData.FromString(WeatherSchema));

    static ChatCompletionOptions Sampled(long seed, int maxTokens = 80) => new() { Temperature = 1, Seed = seed, MaxOutputTokenCount = maxTokens };

    [Fact]
    public async Task Json_schema_output_parses_and_validates()
    {
        for (var seed = 0; seed < 6; seed++)
        {
            var options = Sampled(seed);
            options.ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("person", BinaryData.FromString(PersonSchema), jsonSchemaIsStrict: true);
            ChatCompletion completion = await Client("stories").CompleteChatAsync([new UserChatMessage("Once upon a time")], options);
            using var doc = JsonDocument.Parse(completion.Content[0].Text);
            Assert.Equal(["name", "age", "role"], doc.RootElement.EnumerateObject().Select(p => p.Name));
            Assert.Contains(doc.RootElement.GetProperty("role").GetString(), new[] { "admin", "user" });
            Assert.True(doc.RootElement.GetProperty("age").GetInt64() >= 0);
        }
    }

    [Fact]
    public async Task A_required_call_comes_back_and_its_result_goes_back_through_the_template()
    {
        var options = Sampled(3);
        options.Tools.Add(Weather);
        options.ToolChoice = ChatToolChoice.CreateRequiredChoice();
        List<ChatMessage> messages = [new UserChatMessage("Weather in Oslo?")];
        ChatCompletion completion = await Client("qwen").CompleteChatAsync(messages, options);
        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.StartsWith("call_", call.Id);
        using (var args = JsonDocument.Parse(call.FunctionArguments.ToString()))
            Assert.Equal(JsonValueKind.String, args.RootElement.GetProperty("city").ValueKind);

        messages.Add(new AssistantChatMessage(completion));
        messages.Add(new ToolChatMessage(call.Id, "Sunny, 21 degrees"));
        var next = Sampled(4, maxTokens: 4);
        next.Tools.Add(Weather);
        next.ToolChoice = ChatToolChoice.CreateAutoChoice();
        ChatCompletion answer = await Client("qwen").CompleteChatAsync(messages, next);
        Assert.Contains(answer.FinishReason, new[] { ChatFinishReason.Stop, ChatFinishReason.Length });
        Assert.True(answer.Usage.InputTokenCount > completion.Usage.InputTokenCount);
    }

    [Fact]
    public async Task Streamed_tool_call_deltas_assemble_to_the_non_streamed_call()
    {
        var options = Sampled(11);
        options.Tools.Add(Weather);
        options.ToolChoice = ChatToolChoice.CreateFunctionChoice("get_weather");
        ChatCompletion whole = await Client("qwen").CompleteChatAsync([new UserChatMessage("Weather?")], options);

        var ids = new Dictionary<int, string>();
        var names = new Dictionary<int, string>();
        var arguments = new Dictionary<int, StringBuilder>();
        ChatFinishReason? finish = null;
        await foreach (var update in Client("qwen").CompleteChatStreamingAsync([new UserChatMessage("Weather?")], options))
        {
            foreach (var t in update.ToolCallUpdates)
            {
                if (t.ToolCallId is not null) ids[t.Index] = t.ToolCallId;
                if (t.FunctionName is not null) names[t.Index] = t.FunctionName;
                (arguments.TryGetValue(t.Index, out var sb) ? sb : arguments[t.Index] = new StringBuilder()).Append(t.FunctionArgumentsUpdate?.ToString());
            }
            finish = update.FinishReason ?? finish;
        }
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        var call = Assert.Single(whole.ToolCalls);
        Assert.Equal(0, Assert.Single(names).Key);
        Assert.Equal(call.FunctionName, names[0]);
        Assert.Equal(call.FunctionArguments.ToString(), arguments[0].ToString());
        Assert.StartsWith("call_", ids[0]);
    }

    [Fact]
    public async Task Raw_stream_chunks_assemble_to_exactly_the_non_streamed_message()
    {
        const string body = """
            {"model":"qwen","messages":[{"role":"user","content":"Weather?"}],"temperature":1,"seed":5,"max_tokens":96,
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":SCHEMA}},
                      {"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{"zone":{"enum":["UTC","CET"]}},"required":["zone"]}}}],
             "tool_choice":"required"STREAM}
            """;
        var http = fixture.Server.Http;
        var plain = await Json.Read(await http.PostAsync("v1/chat/completions", Json.Body(body.Replace("SCHEMA", WeatherSchema).Replace("STREAM", ""))));
        var message = plain.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal("tool_calls", plain.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);

        var stream = await http.PostAsync("v1/chat/completions", Json.Body(body.Replace("SCHEMA", WeatherSchema).Replace("STREAM", ",\"stream\":true")));
        var chunks = SseReader.Chunks(await stream.Content.ReadAsStringAsync());
        var calls = new SortedDictionary<int, (string Id, string Name, StringBuilder Arguments)>();
        foreach (var chunk in chunks)
        {
            var delta = chunk.GetProperty("choices")[0].GetProperty("delta");
            if (!delta.TryGetProperty("tool_calls", out var list)) continue;
            foreach (var t in list.EnumerateArray())
            {
                var index = t.GetProperty("index").GetInt32();
                var f = t.GetProperty("function");
                if (!calls.ContainsKey(index)) calls[index] = (t.GetProperty("id").GetString()!, f.GetProperty("name").GetString()!, new StringBuilder());
                calls[index].Arguments.Append(f.GetProperty("arguments").GetString());
            }
        }
        Assert.Equal("tool_calls", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal("", SseReader.Text(chunks));
        var expected = message.GetProperty("tool_calls").EnumerateArray()
            .Select(c => (c.GetProperty("function").GetProperty("name").GetString(), c.GetProperty("function").GetProperty("arguments").GetString())).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, calls.Values.Select(c => ((string?)c.Name, (string?)c.Arguments.ToString())));
        Assert.Equal(Enumerable.Range(0, expected.Count), calls.Keys);
    }

    [Fact]
    public async Task Tool_calls_are_kept_in_conversation_memory_and_replayed()
    {
        var http = fixture.Server.Http;
        var first = await http.PostAsync("v1/chat/completions", Json.Body("""
            {"model":"qwen","messages":[{"role":"user","content":"Weather in Oslo?"}],"seed":1,"temperature":1,"max_tokens":80,
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":SCHEMA}}],"tool_choice":"required"}
            """.Replace("SCHEMA", WeatherSchema)));
        var conversation = first.Headers.GetValues("x-conversation-id").Single();
        var call = (await Json.Read(first)).GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0];
        var callId = call.GetProperty("id").GetString();

        var stored = await Json.Read(await http.GetAsync($"v1/conversations/{conversation}/messages"));
        var assistant = stored.GetProperty("data")[1];
        Assert.Equal("assistant", assistant.GetProperty("role").GetString());
        Assert.Equal("tool_calls", assistant.GetProperty("finish_reason").GetString());
        var storedCall = assistant.GetProperty("tool_calls")[0];
        Assert.Equal(callId, storedCall.GetProperty("id").GetString());
        Assert.Equal(call.GetProperty("function").GetProperty("arguments").GetString(), storedCall.GetProperty("function").GetProperty("arguments").GetString());

        // Only the tool result is sent: the stored call is replayed before it, so the template accepts the turn.
        var second = await http.PostAsync("v1/chat/completions", Json.Body($$"""
            {"model":"qwen","conversation_id":"{{conversation}}","messages":[{"role":"tool","tool_call_id":"{{callId}}","content":"Sunny"}],"max_tokens":3}
            """));
        Assert.Equal(200, (int)second.StatusCode);
        var messages = (await Json.Read(await http.GetAsync($"v1/conversations/{conversation}/messages"))).GetProperty("data");
        Assert.Equal(["user", "assistant", "tool", "assistant"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(callId, messages[2].GetProperty("tool_call_id").GetString());
    }

    [Theory]
    [InlineData("stories", "'response_format':{'type':'json_schema','json_schema':{'name':'n','schema':{'type':'integer','maximum':3}}}", "response_format", "maximum")]
    [InlineData("qwen", "'tools':[{'type':'function','function':{'name':'f','parameters':{'type':'object','properties':{'a':{'not':{}}}}}}],'tool_choice':'required'", "tools", "not")]
    [InlineData("stories", "'tools':[{'type':'function','function':{'name':'f'}}]", "tools", "tool-call format")]
    [InlineData("qwen", "'tools':[{'type':'function','function':{'name':'f'}}],'tool_choice':{'type':'function','function':{'name':'g'}}", "tool_choice", "'g'")]
    public async Task What_cannot_be_honoured_is_an_openai_400_naming_it(string model, string extra, string param, string mentioned)
    {
        var response = await fixture.Server.Http.PostAsync("v1/chat/completions", Json.Body(
            $$"""{"model":"{{model}}","messages":[{"role":"user","content":"x"}],"stream":true,{{extra.Replace('\'', '"')}}}"""));
        var error = await Json.Error(response, 400, param: param);
        Assert.Contains(mentioned, error.GetProperty("message").GetString());
    }
}
