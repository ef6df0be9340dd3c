using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Hearth.Core.OpenAI;

/// <summary>Writes <see cref="FunctionCallContent"/>s as OpenAI <c>tool_calls</c> entries.</summary>
public static class ToolCallJson
{
    public static void Write(Utf8JsonWriter w, FunctionCallContent call, int? index = null)
    {
        w.WriteStartObject();
        if (index is not null) w.WriteNumber("index", index.Value);
        w.WriteString("id", call.CallId);
        w.WriteString("type", "function");
        w.WriteStartObject("function");
        w.WriteString("name", call.Name);
        w.WriteString("arguments", Arguments(call));
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The arguments as JSON text: as the model wrote them when the engine parsed the call, else serialized.</summary>
    public static string Arguments(FunctionCallContent call) => call.RawRepresentation is Engine.Tools.ToolCall parsed
        ? parsed.Arguments
        : JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions);

    /// <summary>The whole <c>tool_calls</c> array as JSON text (how the store keeps it).</summary>
    public static string? ArrayText(IReadOnlyList<FunctionCallContent> calls)
    {
        if (calls.Count == 0) return null;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, WireJson.Options))
        {
            w.WriteStartArray();
            foreach (var c in calls) Write(w, c);
            w.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
