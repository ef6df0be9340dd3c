using Hearth.Engine.Templates;

namespace Hearth.Engine.Tests.Templates;

/// <summary>Templates come from downloaded models: hostile ones must fail with a typed error, never hang, overflow the stack or exhaust memory.</summary>
public class HostileTemplateTests
{
    static string Render(string template, TemplateContext? context = null) =>
        ChatTemplate.Parse(template).Render(context ?? new TemplateContext());

    [Theory]
    [InlineData(5_000, "(", ")")]
    [InlineData(5_000, "{% if true %}", "{% endif %}")]
    [InlineData(5_000, "[", "]")]
    [InlineData(5_000, "{% for x in [1] %}", "{% endfor %}")]
    [InlineData(5_000, "not ", "")]
    [InlineData(5_000, "-", "")]
    public void Deep_nesting_is_a_syntax_error(int depth, string open, string close)
    {
        string body = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
        string template = open.StartsWith("{%") ? body : "{{ " + body + " }}";
        var error = Assert.Throws<TemplateSyntaxException>(() => ChatTemplate.Parse(template));
        Assert.Contains("nests deeper", error.Message);
    }

    [Theory]
    [InlineData(".a")]
    [InlineData(" + x")]
    [InlineData("|string")]
    [InlineData("[0]")]
    public void Very_long_expression_chains_fail_cleanly_or_render(string link)
    {
        // Left-deep chains need no parentheses; evaluating them must not overflow the stack.
        string template = "{{ x" + string.Concat(Enumerable.Repeat(link, 10_000)) + " }}";
        var parsed = ChatTemplate.Parse(template);
        var context = new TemplateContext { Variables = { ["x"] = "" } };
        var error = Record.Exception(() => parsed.Render(context));
        Assert.True(error is null or TemplateRenderException, error?.ToString());
    }

    [Fact]
    public void Infinite_macro_recursion_stops()
    {
        var error = Assert.Throws<TemplateRenderException>(() => Render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"));
        Assert.Equal("RecursionError", error.Kind);
    }

    [Fact]
    public void Loop_iterations_are_capped()
    {
        var context = new TemplateContext { MaxLoopIterations = 1000 };
        var error = Assert.Throws<TemplateRenderException>(() =>
            Render("{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}", context));
        Assert.Equal("LimitError", error.Kind);
    }

    [Fact]
    public void Output_size_is_capped()
    {
        var context = new TemplateContext { MaxOutputLength = 10_000 };
        var error = Assert.Throws<TemplateRenderException>(() => Render("{% for i in range(1000) %}{{ 'x' * 100 }}{% endfor %}", context));
        Assert.Equal("LimitError", error.Kind);
    }

    [Theory]
    [InlineData("{{ 'x' * 1000000000 }}")]
    [InlineData("{{ [1] * 1000000000 }}")]
    [InlineData("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}")]
    [InlineData("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}")]
    [InlineData("{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}")]
    [InlineData("{{ 'x'.ljust(2000000000) }}")]
    [InlineData("{{ 'x'|center(2000000000) }}")]
    [InlineData("{{ '{:>2000000000}'.format('x') }}")]
    [InlineData("{{ ('x' * 10000).replace('', 'y' * 10000) }}")]
    public void Memory_bombs_fail_with_an_error(string template)
    {
        var error = Assert.Throws<TemplateRenderException>(() => Render(template));
        Assert.Contains(error.Kind, new[] { "MemoryError", "ValueError" });
    }

    [Fact]
    public void Huge_ranges_are_refused()
    {
        var error = Assert.Throws<TemplateRenderException>(() => Render("{% for i in range(10000000000) %}{% endfor %}"));
        Assert.Equal("OverflowError", error.Kind);
    }

    [Fact]
    public void Random_garbage_never_crashes_the_parser()
    {
        var random = new Random(1234);
        string[] pieces = ["{%", "%}", "{{", "}}", "{#", "#}", "-", "+", "(", ")", "[", "]", "{", "}", "'", "\"", "\\", "if", "for", "in",
            "endif", "endfor", "set", "=", "|", ".", ",", ":", " ", "\n", "x", "1", "raw", "endraw", "macro", "endmacro", "is", "not"];
        for (int i = 0; i < 3000; i++)
        {
            string template = string.Concat(Enumerable.Range(0, random.Next(1, 30)).Select(_ => pieces[random.Next(pieces.Length)]));
            try { ChatTemplate.Parse(template).Render(new TemplateContext { MaxLoopIterations = 10_000 }); }
            catch (TemplateSyntaxException) { }
            catch (TemplateRenderException) { }
        }
    }
}
