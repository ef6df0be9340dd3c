using Hearth.Engine.Tools;
using Hearth.Tests;

namespace Hearth.Engine.Tests.Tools;

public class ToolCallFormatTests
{
    [Theory]
    [InlineData("Qwen-Qwen2.5-7B-Instruct.jinja", "hermes")]
    [InlineData("Qwen-Qwen3-0.6B.jinja", "hermes")]
    [InlineData("NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja", "hermes")]
    [InlineData("meta-llama-Llama-3.1-8B-Instruct.jinja", "llama3-json")]
    [InlineData("meta-llama-Llama-3.2-3B-Instruct.jinja", "llama3-json")]
    [InlineData("mistralai-Mistral-Nemo-Instruct-2407.jinja", "mistral")]
    [InlineData("google-gemma-2-2b-it.jinja", null)]
    [InlineData("microsoft-Phi-3.5-mini-instruct.jinja", null)]
    [InlineData("HuggingFaceTB-SmolLM2-Instruct.jinja", null)]
    public void Detects_the_format_from_the_template(string template, string? expected)
    {
        var format = ToolCallFormat.Detect(File.ReadAllText(TestModels.Path("templates/" + template)));
        Assert.Equal(expected, format?.Name);
    }

    [Fact]
    public void Falls_back_to_the_vocabulary()
    {
        Assert.Same(ToolCallFormat.Hermes, ToolCallFormat.Detect(null, t => t == "<tool_call>"));
        Assert.Same(ToolCallFormat.Llama3Json, ToolCallFormat.Detect("{{ messages }}", t => t == "<|python_tag|>"));
        Assert.Same(ToolCallFormat.Mistral, ToolCallFormat.Detect("{{ messages }}", t => t == "[TOOL_CALLS]"));
        Assert.Null(ToolCallFormat.Detect("{{ messages }}", _ => false));
        Assert.Null(ToolCallFormat.Detect(null));
    }

    [Fact]
    public void A_forced_call_envelope_reads_back_as_the_call()
    {
        foreach (var format in new[] { ToolCallFormat.Hermes, ToolCallFormat.Llama3Json, ToolCallFormat.Mistral })
        {
            var forced = format.ForcedCall("odd \"name\" ü", null);
            Assert.Equal("""{"type": "object"}""", forced.ArgumentsSchema);
            var result = ToolStream.AssertChunkingInvariant(format, forced.Prefix + """{"x": [1]}""" + forced.Suffix);
            Assert.Equal("", result.Content);
            string id = format == ToolCallFormat.Mistral ? forced.Suffix.Substring(9, 9) : "call_0";
            Assert.Equal([new ToolCall(id, "odd \"name\" ü", """{"x": [1]}""")], result.ToolCalls);
        }
        Assert.Matches("^, \"id\": \"[A-Za-z0-9]{9}\"}]$", ToolCallFormat.Mistral.ForcedCall("f", null).Suffix);
        Assert.Equal("[TOOL_CALLS][{\"name\": \"f\", \"arguments\": ", ToolCallFormat.Mistral.ForcedCall("f", null).Prefix);
        Assert.Matches("^[A-Za-z0-9]{9}$", ToolCallFormat.Mistral.NewCallId());
        Assert.Matches("^call_[A-Za-z0-9]{24}$", ToolCallFormat.Hermes.NewCallId());
        Assert.Equal("<tool_call>\n{\"name\": \"f\", \"arguments\": ", ToolCallFormat.Hermes.ForcedCall("f", null).Prefix);
        Assert.Equal("}\n</tool_call>", ToolCallFormat.Hermes.ForcedCall("f", null).Suffix);
        Assert.Equal("\n", ToolCallFormat.Hermes.ParallelCallSeparator);
        Assert.Equal("{\"name\": \"f\", \"parameters\": ", ToolCallFormat.Llama3Json.ForcedCall("f", null).Prefix);
        Assert.Null(ToolCallFormat.Llama3Json.ParallelCallSeparator);
        Assert.Equal(["<tool_call>", "</tool_call>"], ToolCallFormat.Hermes.Tags);
        Assert.Equal(["<|python_tag|>"], ToolCallFormat.Llama3Json.Tags);
        Assert.Equal(["[TOOL_CALLS]"], ToolCallFormat.Mistral.Tags);
    }

    [Fact]
    public void The_arguments_schema_is_the_functions_parameters()
    {
        const string schema = """{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}""";
        Assert.Equal(schema, ToolCallFormat.Hermes.ForcedCall("f", schema).ArgumentsSchema);
        Assert.Equal("""{"type": "object"}""", ToolCallFormat.Hermes.ForcedCall("f", " ").ArgumentsSchema);
    }

    [Theory]
    [InlineData("f", "[1, 2]", "must be a JSON object")]
    [InlineData("f", "{\"type\": ", "not valid JSON")]
    [InlineData("", null, "empty")]
    public void Bad_forced_calls_are_refused(string name, string? schema, string message)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => ToolCallFormat.Hermes.ForcedCall(name, schema));
        Assert.Contains(message, error.Message);
    }
}
