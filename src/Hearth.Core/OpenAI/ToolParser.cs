using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Hearth.Core.OpenAI;

/// <summary>OpenAI function tools, tool_choice and assistant tool_calls to Microsoft.Extensions.AI types.</summary>
public static class ToolParser
{
    public static IList<AITool> Tools(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Array) throw ApiException.InvalidType("tools", "an array");
        var tools = new List<AITool>();
        foreach (var t in v.EnumerateArray())
        {
            if (t.ValueKind != JsonValueKind.Object || !t.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "function")
                throw ApiException.InvalidValue("tools", "every tool must be an object with \"type\": \"function\".");
            if (!t.TryGetProperty("function", out var f) || f.ValueKind != JsonValueKind.Object)
                throw ApiException.InvalidType("tools.function", "an object");
            var name = f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : throw ApiException.InvalidType("tools.function.name", "a string");
            var description = f.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            var schema = f.TryGetProperty("parameters", out var s) && s.ValueKind == JsonValueKind.Object
                ? s.Clone() : JsonDocument.Parse("{\"type\":\"object\",\"properties\":{}}").RootElement.Clone();
            tools.Add(AIFunctionFactory.CreateDeclaration(name, description, schema));
        }
        return tools;
    }

    public static ChatToolMode ToolChoice(JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.String)
            return v.GetString() switch
            {
                "none" => ChatToolMode.None,
                "auto" => ChatToolMode.Auto,
                "required" => ChatToolMode.RequireAny,
                var s => throw ApiException.InvalidValue("tool_choice", $"'{s}' is not one of none, auto, required."),
            };
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object &&
            f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
            return ChatToolMode.RequireSpecific(n.GetString()!);
        throw ApiException.InvalidType("tool_choice", "\"none\", \"auto\", \"required\" or {\"type\":\"function\",\"function\":{\"name\":...}}");
    }

    public static List<AIContent> Calls(JsonElement v, string param)
    {
        if (v.ValueKind != JsonValueKind.Array) throw ApiException.InvalidType(param, "an array");
        var calls = new List<AIContent>();
        foreach (var c in v.EnumerateArray())
        {
            if (c.ValueKind != JsonValueKind.Object || !c.TryGetProperty("function", out var f) || f.ValueKind != JsonValueKind.Object)
                throw ApiException.InvalidType(param, "tool calls with a 'function' object");
            var id = c.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : throw ApiException.InvalidType(param + ".id", "a string");
            var name = f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : throw ApiException.InvalidType(param + ".function.name", "a string");
            var args = f.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "{}";
            calls.Add(new FunctionCallContent(id, name, ParseArguments(args, param)));
        }
        return calls;
    }

    public static Dictionary<string, object?> ParseArguments(string json, string param)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("not an object");
            return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        }
        catch (JsonException)
        {
            throw ApiException.InvalidValue(param + ".function.arguments", "must be a JSON object encoded as a string.");
        }
    }
}
