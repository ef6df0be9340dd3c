using Hearth.Engine.Templates;
using System.Text.Json;
using Hearth.Tests;

namespace Hearth.Engine.Tests.Templates;

/// <summary>Reads shared/models/templates/cases.json: real chat templates and what Python's jinja2 renders for them.</summary>
static class TemplateCases
{
    static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(TestModels.Path("templates/cases.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static IEnumerable<object[]> All() =>
        Root.GetProperty("cases").EnumerateArray().Select((c, i) => new object[] { Describe(i, c) });

    /// <summary>A readable theory row name: "12: Qwen-Qwen3-0.6B.jinja tool_call_roundtrip tools gen".</summary>
    static string Describe(int index, JsonElement c) =>
        $"{index}: {c.GetProperty("template").GetString()} {c.GetProperty("messages").GetString()}"
        + (c.GetProperty("tools").GetBoolean() ? " tools" : "") + (c.GetProperty("add_generation_prompt").GetBoolean() ? " gen" : "");

    public static JsonElement Case(string description) =>
        Root.GetProperty("cases")[int.Parse(description[..description.IndexOf(':')])];

    public static string TemplateText(string file) => File.ReadAllText(TestModels.Path("templates/" + file));

    /// <summary>The context transformers builds for a case; tools are left undefined when the case has none.</summary>
    public static TemplateContext Context(JsonElement c) => new()
    {
        Messages = Root.GetProperty("messages").GetProperty(c.GetProperty("messages").GetString()!),
        Tools = c.GetProperty("tools").GetBoolean() ? Root.GetProperty("tools") : null,
        AddGenerationPrompt = c.GetProperty("add_generation_prompt").GetBoolean(),
        BosToken = c.GetProperty("bos_token").GetString(),
        EosToken = c.GetProperty("eos_token").GetString(),
        Clock = new FixedClock(new DateTimeOffset(2026, 1, 15, 0, 0, 0, TimeSpan.Zero)),
    };
}

/// <summary>A clock stopped at one instant, in UTC.</summary>
sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}
