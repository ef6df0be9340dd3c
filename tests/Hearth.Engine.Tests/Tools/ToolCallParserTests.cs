using Hearth.Engine.Tools;

namespace Hearth.Engine.Tests.Tools;

/// <summary>Streaming behaviour: what is held back, what is released when, and how malformed calls come back.</summary>
public class ToolCallParserTests
{
    static readonly ToolCallFormat Hermes = ToolCallFormat.Hermes;
    static readonly ToolCallFormat Llama = ToolCallFormat.Llama3Json;

    static string ContentOf(IReadOnlyList<ToolStreamDelta> deltas) => string.Concat(deltas.OfType<ContentDelta>().Select(d => d.Text));

    [Fact]
    public void A_partial_tag_is_held_back_until_it_can_be_told_apart()
    {
        var parser = new ToolCallParser(Hermes);
        Assert.Equal("Hello", ContentOf(parser.Push("Hello <tool")));
        Assert.Equal("", ContentOf(parser.Push("_ca")));
        Assert.Equal(" <tool_cap> on", ContentOf(parser.Push("p> on")));
        Assert.Equal("", ContentOf(parser.Push("\n\n<")));
        Assert.Equal("\n\n<", ContentOf(parser.Finish()));
        Assert.Equal("Hello <tool_cap> on\n\n<", parser.Content);
        Assert.Empty(parser.ToolCalls);
    }

    [Fact]
    public void Plain_text_streams_without_delay()
    {
        var hermes = new ToolCallParser(Hermes);
        var llama = new ToolCallParser(Llama);
        foreach (var piece in new[] { "The", " answer", " is", " {42}." })
        {
            Assert.Equal(piece, ContentOf(hermes.Push(piece)));
            Assert.Equal(piece, ContentOf(llama.Push(piece)));
        }
    }

    [Fact]
    public void A_call_is_released_as_header_then_arguments_once_its_closing_tag_arrives()
    {
        var parser = new ToolCallParser(Hermes, ToolStream.CountingIds());
        Assert.Equal([new ContentDelta("Sure.")], parser.Push("Sure.\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}\n</tool"));
        Assert.Equal<ToolStreamDelta>([new ToolCallDelta(0, "call_0", "f", ""), new ToolCallDelta(0, null, null, "{\"a\": 1}")],
            parser.Push("_call>\n"));
        Assert.Equal<ToolStreamDelta>([new ToolCallDelta(1, "call_1", "g", ""), new ToolCallDelta(1, null, null, "{}"), new ContentDelta("Done.")],
            parser.Push("<tool_call>{\"name\":\"g\",\"arguments\":{}}</tool_call>\n\nDone."));
        Assert.Empty(parser.Finish());
        Assert.Equal("Sure.Done.", parser.Content);
        Assert.Equal([new ToolCall("call_0", "f", "{\"a\": 1}"), new ToolCall("call_1", "g", "{}")], parser.ToolCalls);
    }

    /// <summary>Anything in a tag that is not a call object comes back as content, byte for byte, tags included.</summary>
    [Theory]
    [InlineData("A\n<tool_call>\n{\"name\": \"f\", \"arguments\": {oops}}\n</tool_call>\nB")]
    [InlineData("<tool_call>\n{\"arguments\": {}}\n</tool_call>")]
    [InlineData("<tool_call>{\"name\": \"\", \"arguments\": {}}</tool_call>")]
    [InlineData("<tool_call>{\"name\": 7, \"arguments\": {}}</tool_call>")]
    [InlineData("<tool_call>{\"name\": \"f\", \"arguments\": [1]}</tool_call>")]
    [InlineData("<tool_call>{\"name\": \"f\", \"arguments\": \"not json\"}</tool_call>")]
    [InlineData("<tool_call>[\"f\"]</tool_call> after")]
    [InlineData("x <tool_call>plain words</tool_call>")]
    [InlineData("<tool_call></tool_call><tool_call>\n</tool_call>")]
    [InlineData("<tool_call>{\"name\": \"f\", \"arguments\": {}}} trailing</tool_call>")]
    [InlineData("cut off: <tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": ")]
    [InlineData("cut off: <tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_")]
    [InlineData("unbalanced <tool_call>{\"name\": \"f\", \"arguments\": {\"a\": \"}</tool_call> tail")]
    public void Malformed_calls_come_back_as_content(string text)
    {
        var result = ToolStream.AssertChunkingInvariant(Hermes, text);
        Assert.Equal(text, result.Content);
        Assert.Empty(result.ToolCalls);
    }

    [Fact]
    public void A_tag_followed_by_prose_is_given_back_at_once()
    {
        var parser = new ToolCallParser(Hermes);
        Assert.Equal("Write", ContentOf(parser.Push("Write\n<tool_call>")));
        Assert.Equal("\n<tool_call> then", ContentOf(parser.Push(" then")));
        Assert.Equal(" JSON.", ContentOf(parser.Push(" JSON.")));
        Assert.Empty(parser.Finish());
        Assert.Equal("Write\n<tool_call> then JSON.", parser.Content);
    }

    [Fact]
    public void A_good_call_after_a_malformed_one_is_still_a_call()
    {
        string bad = "<tool_call>{\"name\": \"f\" \"arguments\": {}}</tool_call>";
        var result = ToolStream.AssertChunkingInvariant(Hermes, bad + "\n<tool_call>{\"name\": \"g\", \"arguments\": {\"b\": [1]}}</tool_call>");
        Assert.Equal(bad, result.Content);
        Assert.Equal([new ToolCall("call_0", "g", "{\"b\": [1]}")], result.ToolCalls);

        result = ToolStream.AssertChunkingInvariant(Hermes, "<tool_call><tool_call>{\"name\": \"f\"}");
        Assert.Equal("<tool_call>", result.Content);
        Assert.Equal([new ToolCall("call_0", "f", "{}")], result.ToolCalls);
    }

    [Theory]
    [InlineData("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}", "{\"a\": 1}")]
    [InlineData("<tool_call>{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": 1}\"}</tool_call>", "{\"a\": 1}")]
    [InlineData("<tool_call>{\"name\": \"f\"}</tool_call>", "{}")]
    [InlineData("<tool_call>{\"name\": \"f\", \"parameters\": {\"p\": null}}</tool_call>", "{\"p\": null}")]
    [InlineData("<tool_call>{\"arguments\": {\"z\": \"</tool_call>\"}, \"name\": \"f\"}</tool_call>", "{\"z\": \"</tool_call>\"}")]
    public void Lenient_call_shapes_are_read(string text, string arguments)
    {
        var result = ToolStream.AssertChunkingInvariant(Hermes, text);
        Assert.Equal("", result.Content);
        Assert.Equal([new ToolCall("call_0", "f", arguments)], result.ToolCalls);
    }

    [Theory]
    [InlineData("{\"name\": \"f\", \"parameters\": {\"a\": 1}}", "")]
    [InlineData("<|python_tag|>{\"name\": \"f\", \"parameters\": {\"a\": 1}}", "")]
    [InlineData("\n <|python_tag|> \n{\"name\": \"f\", \"arguments\": {\"a\": 1}}\n", "")]
    [InlineData("{\"name\": \"f\", \"parameters\": {\"a\": 1}} and some words", "and some words")]
    public void Llama_replies_that_are_calls(string text, string content)
    {
        var result = ToolStream.AssertChunkingInvariant(Llama, text);
        Assert.Equal(content, result.Content);
        Assert.Equal([new ToolCall("call_0", "f", "{\"a\": 1}")], result.ToolCalls);
    }

    [Fact]
    public void Llama_calls_may_follow_each_other()
    {
        var result = ToolStream.AssertChunkingInvariant(Llama, "{\"name\": \"f\", \"parameters\": {}}; {\"name\": \"g\", \"parameters\": {\"x\": \"}{\"}}");
        Assert.Equal("", result.Content);
        Assert.Equal([new ToolCall("call_0", "f", "{}"), new ToolCall("call_1", "g", "{\"x\": \"}{\"}")], result.ToolCalls);
    }

    [Theory]
    [InlineData("The answer is 4.")]
    [InlineData("  {\"answer\": 42}")]
    [InlineData("{\"name\": \"f\", \"parameters\": {\"a\": 1}")]
    [InlineData("<|python_tag|>brave_search.call(query=\"x\")")]
    [InlineData("<|python")]
    [InlineData("Sure: {\"name\": \"f\", \"parameters\": {}}")]
    [InlineData(" \n ")]
    [InlineData("")]
    public void Llama_replies_that_are_not_calls_come_back_as_content(string text)
    {
        var result = ToolStream.AssertChunkingInvariant(Llama, text);
        Assert.Equal(text, result.Content);
        Assert.Empty(result.ToolCalls);
    }

    [Theory]
    [InlineData("[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {\"a\": 1}, \"id\": \"abcDEF123\"}, {\"name\": \"g\", \"arguments\": {}, \"id\": \"abcDEF123\"}]", "abcDEF123", "call_0")]
    [InlineData(" [{\"name\": \"f\", \"arguments\": {\"a\": 1}}, {\"name\": \"g\", \"arguments\": {}, \"id\": \"short\"}]", "call_0", "call_1")]
    public void Mistral_calls_keep_their_own_ids_when_usable(string text, string firstId, string secondId)
    {
        var result = ToolStream.AssertChunkingInvariant(ToolCallFormat.Mistral, text);
        Assert.Equal("", result.Content);
        Assert.Equal([new ToolCall(firstId, "f", "{\"a\": 1}"), new ToolCall(secondId, "g", "{}")], result.ToolCalls);
    }

    [Theory]
    [InlineData("Hello [TOOL_CALLS]")]
    [InlineData("[1] is a citation.")]
    [InlineData("[TOOL_CALLS][]")]
    [InlineData("[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {}}, 7]")]
    [InlineData("[TOOL_CALLS]{\"name\": \"f\", \"arguments\": {}}")]
    [InlineData("[TOOL")]
    public void Mistral_replies_that_are_not_calls_come_back_as_content(string text)
    {
        var result = ToolStream.AssertChunkingInvariant(ToolCallFormat.Mistral, text);
        Assert.Equal(text, result.Content);
        Assert.Empty(result.ToolCalls);
    }

    [Fact]
    public void A_Llama_reply_starting_like_a_call_is_held_until_its_object_closes()
    {
        var parser = new ToolCallParser(Llama);
        Assert.Empty(parser.Push(" <|python_"));
        Assert.Empty(parser.Push("tag|>{\"name\": \"f\", \"para"));
        var deltas = parser.Push("meters\": {}}");
        Assert.Equal(2, deltas.Count);
        Assert.Equal("f", Assert.IsType<ToolCallDelta>(deltas[0]).Name);
    }

    [Fact]
    public void Default_ids_look_like_OpenAI_ids_and_differ()
    {
        var a = ToolCallParser.Parse(Hermes, "<tool_call>{\"name\": \"f\"}</tool_call><tool_call>{\"name\": \"f\"}</tool_call>");
        Assert.Equal(2, a.ToolCalls.Count);
        Assert.All(a.ToolCalls, c => Assert.Matches("^call_[A-Za-z0-9]{24}$", c.Id));
        Assert.NotEqual(a.ToolCalls[0].Id, a.ToolCalls[1].Id);
    }

    [Fact]
    public void A_call_converts_to_FunctionCallContent()
    {
        var content = new ToolCall("call_1", "f", "{\"a\": 1, \"b\": {\"c\": [\"ü\"]}}").ToFunctionCallContent();
        Assert.Equal(("call_1", "f"), (content.CallId, content.Name));
        Assert.Null(content.Exception);
        Assert.Equal(1, Assert.IsType<System.Text.Json.JsonElement>(content.Arguments!["a"]).GetInt32());
        Assert.Equal("{\"c\": [\"ü\"]}", Assert.IsType<System.Text.Json.JsonElement>(content.Arguments["b"]).GetRawText());
    }

    [Fact]
    public void Finish_ends_the_reply()
    {
        var parser = new ToolCallParser(Hermes);
        parser.Push("a <tool");
        Assert.Equal([new ContentDelta(" <tool")], parser.Finish());
        Assert.Empty(parser.Finish());
        Assert.Throws<InvalidOperationException>(() => parser.Push("more"));
        Assert.Throws<ArgumentNullException>(() => new ToolCallParser(null!));
    }
}
