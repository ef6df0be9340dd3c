using System.Text.Json;

namespace Hearth.Engine.Tools;

/// <summary>Reads call objects, <c>{"name": "f", "arguments": {...}}</c> (or <c>"parameters"</c>), from model output.</summary>
static class ToolCallJson
{
    /// <summary>One call as written: name, arguments text, and the id the model gave it, if any.</summary>
    public readonly record struct Call(string Name, string Arguments, string? Id);

    /// <summary>
    /// True when <paramref name="text"/> is one call object, or a non-empty array of them. A call object has a
    /// non-empty string <c>name</c> and an <c>arguments</c> or <c>parameters</c> object (missing means <c>{}</c>;
    /// a string holding a JSON object is unwrapped, as some models double-encode). Arguments keep their text as written.
    /// </summary>
    public static bool TryRead(string text, out List<Call> calls)
    {
        calls = [];
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object) return TryReadCall(root, calls);
            if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() == 0) return false;
            foreach (var element in root.EnumerateArray())
            {
                if (!TryReadCall(element, calls)) return false;
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    static bool TryReadCall(JsonElement call, List<Call> calls)
    {
        if (call.ValueKind != JsonValueKind.Object) return false;
        if (!call.TryGetProperty("name", out var nameValue) || nameValue.ValueKind != JsonValueKind.String) return false;
        string name = nameValue.GetString()!;
        if (name.Length == 0) return false;
        string? id = call.TryGetProperty("id", out var idValue) && idValue.ValueKind == JsonValueKind.String ? idValue.GetString() : null;

        string arguments;
        if (!call.TryGetProperty("arguments", out var args) && !call.TryGetProperty("parameters", out args)) arguments = "{}";
        else if (args.ValueKind == JsonValueKind.Object) arguments = args.GetRawText();
        else if (args.ValueKind == JsonValueKind.String && IsJsonObject(args.GetString()!)) arguments = args.GetString()!;
        else return false;

        calls.Add(new Call(name, arguments, string.IsNullOrEmpty(id) ? null : id));
        return true;
    }

    static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
