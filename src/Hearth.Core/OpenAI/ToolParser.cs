using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Hearth.Core.OpenAI;

/// <summary>OpenAI function tools, tool_choice and assistant tool_calls to Microsoft.Extensions.AI types.</summary>
public static partial class ToolParser
{
    /// <param name="strict">Collects the names of functions marked <c>"strict": true</c>.</param>
    public static IList<AITool> Tools(JsonElement v, ICollection<string>? strict = null)
    {
        if (v.ValueKind != JsonValueKind.Array) throw ApiException.InvalidType("tools", "an array");
        var tools = new List<AITool>();
        foreach (var t in v.EnumerateArray())
        {
            if (t.ValueKind != JsonValueKind.Object || !t.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "function")
                throw ApiException.InvalidValue("tools", "every tool must be an object with \"type\": \"function\".");
            if (!t.TryGetProperty("function", out var f) || f.ValueKind != JsonValueKind.Object)
                throw ApiException.InvalidType("tools.function", "an object");
            string? name = null, description = null;
            JsonElement? schema = null;
            var isStrict = false;
            foreach (var p in f.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.Null) continue;
                switch (p.Name)
                {
                    case "name": name = ChatRequestParser.String(p.Value, "tools.function.name"); break;
                    case "description": description = ChatRequestParser.String(p.Value, "tools.function.description"); break;
                    case "parameters":
                        if (p.Value.ValueKind != JsonValueKind.Object) throw ApiException.InvalidType("tools.function.parameters", "a JSON schema object");
                        schema = p.Value.Clone();
                        break;
                    case "strict":
                        isStrict = ChatRequestParser.Bool(p.Value, "tools.function.strict");
                        break;
                    default: throw ApiException.Unsupported("tools.function." + p.Name, "this server does not support it.");
                }
            }
            if (name is null) throw ApiException.InvalidType("tools.function.name", "a string");
            if (!NamePattern().IsMatch(name)) throw ApiException.InvalidValue("tools", $"function name '{name}' must be 1 to 64 letters, digits, underscores or dashes.");
            if (tools.Any(x => x.Name == name)) throw ApiException.InvalidValue("tools", $"two functions are named '{name}'.");
            if (isStrict) strict?.Add(name);
            tools.Add(AIFunctionFactory.CreateDeclaration(name, description, schema ?? EmptyParameters.Clone()));
        }
        return tools;
    }

    static readonly JsonElement EmptyParameters = JsonDocument.Parse("{\"type\":\"object\",\"properties\":{}}").RootElement;

    /// <summary>
    /// Checks tool_choice against tools: a forced call needs tools, a named function must be one of them, and the
    /// schemas of the functions a call is forced to must compile (their arguments are constrained to them). Strict
    /// functions are honoured only where a call is forced: with "auto" the arguments are not constrained, so
    /// <c>"strict": true</c> is refused rather than ignored.
    /// </summary>
    public static void CheckChoice(ChatOptions options, IReadOnlyCollection<string> strict)
    {
        var tools = options.Tools?.OfType<AIFunctionDeclaration>().ToList() ?? [];
        if (options.ToolMode is not RequiredChatToolMode required)
        {
            if (strict.Count > 0 && tools.Count > 0 && options.ToolMode is not NoneChatToolMode)
                throw ApiException.Unsupported("tools", $"\"strict\": true on '{strict.First()}' is enforced only when tool_choice forces a call (\"required\" or a named function); with \"auto\" arguments are not constrained.");
            return;
        }
        if (tools.Count == 0) throw ApiException.InvalidValue("tool_choice", "a tool call is required, but no tools were given.");
        var forced = required.RequiredFunctionName is { } name
            ? [tools.FirstOrDefault(t => t.Name == name) ?? throw ApiException.InvalidValue("tool_choice", $"the function '{name}' is not among the tools.")]
            : tools;
        foreach (var f in forced) ResponseFormatParser.Check(f.JsonSchema, "tools");
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
            return v.TryGetProperty("type", out var t) && (t.ValueKind != JsonValueKind.String || t.GetString() != "function")
                ? throw ApiException.InvalidValue("tool_choice", "type must be \"function\".")
                : ChatToolMode.RequireSpecific(n.GetString()!);
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

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex NamePattern();
}
