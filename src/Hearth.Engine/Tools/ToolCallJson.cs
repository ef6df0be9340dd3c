using System.Text.Json;

namespace Hearth.Engine.Tools;

/// <summary>Reads one call object, <c>{"name": "f", "arguments": {...}}</c> (or <c>"parameters"</c>), from model output.</summary>
static class ToolCallJson
{
    /// <summary>
    /// True when <paramref name="text"/> is exactly one JSON object with a non-empty string <c>name</c> and an
    /// <c>arguments</c> or <c>parameters</c> object (missing means <c>{}</c>; a string holding a JSON object is
    /// unwrapped, as some models double-encode). <paramref name="arguments"/> is the object's text as written.
    /// </summary>
    public static bool TryRead(string text, out string name, out string arguments)
    {
        name = arguments = "";
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return false;
            if (!root.TryGetProperty("name", out var nameValue) || nameValue.ValueKind != JsonValueKind.String) return false;
            name = nameValue.GetString()!;
            if (name.Length == 0) return false;
            if (!root.TryGetProperty("arguments", out var args) && !root.TryGetProperty("parameters", out args))
            {
                arguments = "{}";
                return true;
            }
            if (args.ValueKind == JsonValueKind.Object)
            {
                arguments = args.GetRawText();
                return true;
            }
            if (args.ValueKind == JsonValueKind.String && IsJsonObject(args.GetString()!))
            {
                arguments = args.GetString()!;
                return true;
            }
            return false;
        }
        catch (JsonException)
        {
            return false;
        }
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
