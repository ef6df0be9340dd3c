using Hearth.Engine.Templates;

namespace Hearth.Engine.Tests.Templates;

/// <summary>Malformed templates fail to parse with a position; bad renders fail with jinja2's error kind and message.</summary>
public class TemplateErrorTests
{
    static string Render(string template, Dictionary<string, object?>? variables = null) =>
        ChatTemplate.Parse(template).Render(new TemplateContext { Variables = variables ?? [] });

    [Theory]
    [InlineData("a\nb\n{% if x %}\nc\n", 4, "Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.")]
    [InlineData("x\n{% for a in b %}\n{{ a.\n}}\n{% endfor %}", 4, "expected name or number after '.', got 'end of print statement'")]
    [InlineData("{% if a %}\n\n{% endfor %}", 3, "Encountered unknown tag 'endfor'. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.")]
    [InlineData("{% endif %}", 1, "Encountered unknown tag 'endif'.")]
    [InlineData("\n\n{% foo %}", 3, "Encountered unknown tag 'foo'.")]
    [InlineData("{{ 1 }}\n\n{{ 'abc\n }}", 3, "Unterminated string literal")]
    [InlineData("{{ x", 1, "unexpected end of template, expected 'end of print statement'.")]
    [InlineData("\n{% set x = [1,\n2,\n%}", 4, "unexpected '}', expected ']'")]
    [InlineData("{{ x }}\n{#\n\n", 2, "Missing end of comment tag")]
    [InlineData("\n\n\n{% macro m(a=1, b) %}{% endmacro %}", 4, "non-default argument follows default argument")]
    [InlineData("{{ 1 + }}", 1, "unexpected 'end of print statement'")]
    [InlineData("{{ }}", 1, "Expected an expression, got 'end of print statement'")]
    [InlineData("{% %}", 1, "tag name expected")]
    [InlineData("{{ {'a' 1} }}", 1, "expected token ':', got 'integer'")]
    [InlineData("{% break %}", 1, "'break' outside of a loop")]
    [InlineData("{% for x in l %}{% macro m() %}{% continue %}{% endmacro %}{% endfor %}", 1, "'continue' outside of a loop")]
    [InlineData("{% raw %}\n\nnever closed", 1, "Missing end of raw directive")]
    [InlineData("{{ a ! b }}", 1, "unexpected char '!'")]
    public void Malformed_templates_report_jinja2s_message_and_line(string template, int line, string reason)
    {
        var error = Assert.Throws<TemplateSyntaxException>(() => ChatTemplate.Parse(template));
        Assert.Equal(reason, error.Reason);
        Assert.Equal(line, error.Line);
        Assert.Contains($"line {line}", error.Message);
    }

    [Fact]
    public void Syntax_errors_give_the_column_too()
    {
        var error = Assert.Throws<TemplateSyntaxException>(() => ChatTemplate.Parse("ok\n  {{ a + * }}"));
        Assert.Equal((2, 10), (error.Line, error.Column));
    }

    [Theory]
    [InlineData("{{ x.y }}", "UndefinedError", "'x' is undefined")]
    [InlineData("{{ x['y'] }}", "UndefinedError", "'x' is undefined")]
    [InlineData("{{ x + 1 }}", "UndefinedError", "'x' is undefined")]
    [InlineData("{{ x() }}", "UndefinedError", "'x' is undefined")]
    [InlineData("{{ {}.a.b }}", "UndefinedError", "'dict object' has no attribute 'a'")]
    [InlineData("{{ none.a.b }}", "UndefinedError", "'None' has no attribute 'a'")]
    [InlineData("{{ 1 + 'a' }}", "TypeError", "unsupported operand type(s) for +: 'int' and 'str'")]
    [InlineData("{{ 'a' + 1 }}", "TypeError", "can only concatenate str (not \"int\") to str")]
    [InlineData("{{ 'a' < 1 }}", "TypeError", "'<' not supported between instances of 'str' and 'int'")]
    [InlineData("{{ 1 / 0 }}", "ZeroDivisionError", "division by zero")]
    [InlineData("{{ 3|length }}", "TypeError", "object of type 'int' has no len()")]
    [InlineData("{% for i in 3 %}{% endfor %}", "TypeError", "'int' object is not iterable")]
    [InlineData("{{ 3() }}", "TypeError", "'int' object is not callable")]
    [InlineData("{{ 3|nosuchfilter }}", "TemplateAssertionError", "No filter named 'nosuchfilter'.")]
    [InlineData("{{ 3 is nosuchtest }}", "TemplateAssertionError", "No test named 'nosuchtest'.")]
    [InlineData("{{ x|tojson }}", "TypeError", "Object of type Undefined is not JSON serializable")]
    [InlineData("{{ [1][::0] }}", "ValueError", "slice step cannot be zero")]
    [InlineData("{% set a, b = [1] %}", "ValueError", "not enough values to unpack (expected 2, got 1)")]
    [InlineData("{% set d = {} %}{% set d.x = 1 %}", "TemplateRuntimeError", "cannot assign attribute on non-namespace object")]
    [InlineData("{{ range(1000000)|length }}", "OverflowError", "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).")]
    [InlineData("{{ 'abc'.startswith(1) }}", "TypeError", "startswith first arg must be str or a tuple of str, not int")]
    [InlineData("{{ none is none(1) }}", "TypeError", "test_none() takes 1 positional argument but 2 were given")]
    public void Render_errors_carry_jinja2s_kind_and_message(string template, string kind, string message)
    {
        var error = Assert.Throws<TemplateRenderException>(() => Render(template));
        Assert.IsNotType<TemplateRaisedException>(error);
        Assert.Equal(kind, error.Kind);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Render_errors_name_the_template_line()
    {
        var error = Assert.Throws<TemplateRenderException>(() => Render("line one\n{% if true %}\n  {{ messages.x }}\n{% endif %}"));
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Raise_exception_surfaces_the_templates_message()
    {
        var error = Assert.Throws<TemplateRaisedException>(() =>
            Render("{% if n > 2 %}{{ raise_exception('Too many: ' ~ n) }}{% endif %}", new() { ["n"] = 3L }));
        Assert.Equal("Too many: 3", error.Message);
        Assert.Equal("TemplateError", error.Kind);
        Assert.Equal(1, error.Line);
    }
}
