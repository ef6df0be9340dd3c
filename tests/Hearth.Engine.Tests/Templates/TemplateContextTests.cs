using System.Text.Json.Nodes;
using Hearth.Engine.Templates;

namespace Hearth.Engine.Tests.Templates;

/// <summary>What callers pass in: JSON or plain .NET values, optional tools and tokens, extra variables, the clock.</summary>
public class TemplateContextTests
{
    const string Echo = "{{ bos_token }}|{% for m in messages %}{{ m.role }}:{{ m.content }}:{{ m.n }}:{{ m.ok }};{% endfor %}|{{ tools is defined }}|{{ add_generation_prompt }}|{{ eos_token is defined }}";

    [Fact]
    public void Plain_dotnet_values_work_like_json()
    {
        var messages = new List<object?>
        {
            new Dictionary<string, object?> { ["role"] = "user", ["content"] = "hi", ["n"] = 2, ["ok"] = true },
            new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = null, ["n"] = 1.5, ["ok"] = false },
        };
        var rendered = ChatTemplate.Parse(Echo).Render(new TemplateContext { Messages = messages, BosToken = "<s>", AddGenerationPrompt = true });
        Assert.Equal("<s>|user:hi:2:True;assistant:None:1.5:False;|False|True|False", rendered);
    }

    [Fact]
    public void Json_nodes_and_elements_give_the_same_render()
    {
        const string json = """[{"role": "user", "content": "hi", "n": 2, "ok": true}, {"role": "assistant", "content": null, "n": 1.5, "ok": false}]""";
        var template = ChatTemplate.Parse(Echo);
        var fromNode = template.Render(new TemplateContext { Messages = JsonNode.Parse(json), BosToken = "<s>", Tools = new JsonArray() });
        var fromElement = template.Render(new TemplateContext { Messages = System.Text.Json.JsonDocument.Parse(json).RootElement, BosToken = "<s>", Tools = new List<object?>() });
        Assert.Equal("<s>|user:hi:2:True;assistant:None:1.5:False;|True|False|False", fromNode);
        Assert.Equal(fromNode, fromElement);
    }

    [Fact]
    public void Extra_variables_are_visible_and_override_the_named_ones()
    {
        var rendered = ChatTemplate.Parse("{{ enable_thinking }} {{ bos_token }} {{ documents|length }}").Render(new TemplateContext
        {
            BosToken = "<s>",
            Variables = { ["enable_thinking"] = false, ["bos_token"] = "<override>", ["documents"] = new[] { "a", "b" } },
        });
        Assert.Equal("False <override> 2", rendered);
    }

    [Fact]
    public void Strftime_now_reads_the_injected_clock()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 1, 15, 9, 5, 7, TimeSpan.Zero));
        var rendered = ChatTemplate.Parse("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S %A %B %-d %j %I%p') }}")
            .Render(new TemplateContext { Clock = clock });
        Assert.Equal("15 Jan 2026|2026-01-15 09:05:07 Thursday January 15 015 09AM", rendered);
    }

    [Fact]
    public void Llama_3_2_takes_todays_date_from_the_clock()
    {
        var template = ChatTemplate.Parse(TemplateCases.TemplateText("meta-llama-Llama-3.2-3B-Instruct.jinja"));
        var rendered = template.Render(new TemplateContext
        {
            Messages = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
            BosToken = "<|begin_of_text|>",
            Clock = new FixedClock(new DateTimeOffset(2025, 7, 4, 12, 0, 0, TimeSpan.Zero)),
        });
        Assert.Contains("Today Date: 04 Jul 2025\n", rendered);
    }

    [Fact]
    public void Qwen3_honours_enable_thinking_false()
    {
        var template = ChatTemplate.Parse(TemplateCases.TemplateText("Qwen-Qwen3-0.6B.jinja"));
        var rendered = template.Render(new TemplateContext
        {
            Messages = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
            AddGenerationPrompt = true,
            Variables = { ["enable_thinking"] = false },
        });
        Assert.EndsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n", rendered);
    }

    [Fact]
    public void Generation_blocks_render_their_content()
    {
        var rendered = ChatTemplate.Parse("a{% generation %}b{{ 1 + 1 }}{% endgeneration %}c").Render(new TemplateContext());
        Assert.Equal("ab2c", rendered);
    }

    [Fact]
    public void Templates_cannot_change_the_callers_data()
    {
        var messages = new List<object?> { new Dictionary<string, object?> { ["role"] = "user" } };
        ChatTemplate.Parse("{% set m = messages[0] %}{{ m.update({'role': 'x'}) }}{{ messages.append(1) }}").Render(new TemplateContext { Messages = messages });
        Assert.Single(messages);
        Assert.Equal("user", ((Dictionary<string, object?>)messages[0]!)["role"]);
    }

    [Fact]
    public void One_parsed_template_renders_concurrently()
    {
        var template = ChatTemplate.Parse(TemplateCases.TemplateText("Qwen-Qwen2.5-7B-Instruct.jinja"));
        var outputs = Enumerable.Range(0, 32).AsParallel().Select(i => template.Render(new TemplateContext
        {
            Messages = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = $"message {i % 4}" }),
        })).ToList();
        Assert.Equal(4, outputs.Distinct().Count());
    }

    [Fact]
    public void Unsupported_input_types_are_rejected_clearly()
    {
        var error = Assert.Throws<ArgumentException>(() => ChatTemplate.Parse("{{ x }}").Render(new TemplateContext { Variables = { ["x"] = new Uri("http://a") } }));
        Assert.Contains("Uri", error.Message);
    }
}
