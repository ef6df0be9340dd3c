using System.Text.Json;

namespace Hearth.Tests.Infrastructure;

/// <summary>Reads an SSE body strictly: every event is exactly <c>data: ...\n\n</c>.</summary>
public static class SseReader
{
    public static List<string> Events(string body)
    {
        Assert.EndsWith("\n\n", body);
        var events = body[..^2].Split("\n\n");
        foreach (var e in events)
        {
            Assert.StartsWith("data: ", e);
            Assert.DoesNotContain('\n', e);
        }
        return events.Select(e => e["data: ".Length..]).ToList();
    }

    /// <summary>The JSON chunks of an OpenAI stream, checking it ends with [DONE].</summary>
    public static List<JsonElement> Chunks(string body)
    {
        var events = Events(body);
        Assert.Equal("[DONE]", events[^1]);
        return events.SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement).ToList();
    }

    public static string Text(IEnumerable<JsonElement> chunks) =>
        string.Concat(chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : ""));
}
