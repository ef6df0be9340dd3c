using Hearth.Engine.Templates;
namespace Hearth.Engine.Tests.Templates;

/// <summary>Every case of cases.json: our render must equal Python jinja2's byte for byte, or raise the same error.</summary>
public class ChatTemplateCasesTests
{
    public static IEnumerable<object[]> Cases() => TemplateCases.All();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Renders_like_python_jinja2(string name)
    {
        var c = TemplateCases.Case(name);
        var template = ChatTemplate.Parse(TemplateCases.TemplateText(c.GetProperty("template").GetString()!));
        var context = TemplateCases.Context(c);

        if (c.TryGetProperty("expected", out var expected))
        {
            Assert.Equal(expected.GetString(), template.Render(context));
            return;
        }
        var error = Assert.Throws<TemplateRaisedException>(() => template.Render(context));
        Assert.Equal(c.GetProperty("expected_error").GetString(), $"{error.Kind}: {error.Message}");
    }

    [Fact]
    public void Cases_file_has_every_template_and_both_outcomes()
    {
        var cases = TemplateCases.Root.GetProperty("cases").EnumerateArray().ToList();
        Assert.True(cases.Count >= 100);
        Assert.Contains(cases, c => c.TryGetProperty("expected_error", out _));
        var templates = Directory.GetFiles(Hearth.Tests.TestModels.Path("templates"), "*.jinja").Select(Path.GetFileName).ToHashSet();
        Assert.Equal(templates, cases.Select(c => c.GetProperty("template").GetString()).ToHashSet());
    }
}
