using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Hearth.Core.OpenAI;

/// <summary>OpenAI chat messages (system, developer, user, assistant, tool) to <see cref="ChatMessage"/>s.</summary>
public static class MessageParser
{
    public static IReadOnlyList<ChatMessage> ParseAll(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Array) throw ApiException.InvalidType("messages", "an array");
        var list = new List<ChatMessage>();
        var i = 0;
        foreach (var m in v.EnumerateArray()) list.Add(Parse(m, $"messages[{i++}]"));
        if (list.Count == 0) throw ApiException.InvalidValue("messages", "at least one message is required.");
        return list;
    }

    /// <summary>Errors inside a message name the <c>messages</c> parameter (as OpenAI does); their text says where.</summary>
    static ChatMessage Parse(JsonElement m, string where)
    {
        try { return ParseOne(m, where); }
        catch (ApiException e) when (e.Param != "messages")
        {
            throw new ApiException(e.Status, e.Message, e.Type, "messages", e.Code);
        }
    }

    static ChatMessage ParseOne(JsonElement m, string param)
    {
        if (m.ValueKind != JsonValueKind.Object) throw ApiException.InvalidType(param, "an object");
        if (!m.TryGetProperty("role", out var roleValue)) throw ApiException.InvalidRequest($"Missing required parameter: '{param}.role'.", param + ".role", "missing_required_parameter");
        var role = ChatRequestParser.String(roleValue, param + ".role") switch
        {
            "system" or "developer" => ChatRole.System,
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            "tool" => ChatRole.Tool,
            var r => throw ApiException.InvalidValue(param + ".role", $"'{r}' is not one of system, developer, user, assistant, tool."),
        };

        string? text = null, name = null, toolCallId = null;
        List<AIContent> calls = [];
        foreach (var p in m.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Null) continue;
            switch (p.Name)
            {
                case "role": break;
                case "content": text = Content(p.Value, param + ".content"); break;
                case "name": name = ChatRequestParser.String(p.Value, param + ".name"); break;
                case "tool_call_id": toolCallId = ChatRequestParser.String(p.Value, param + ".tool_call_id"); break;
                case "tool_calls" when role == ChatRole.Assistant: calls = ToolParser.Calls(p.Value, param + ".tool_calls"); break;
                case "refusal" when role == ChatRole.Assistant: break;
                default: throw ApiException.Unsupported($"{param}.{p.Name}", $"not supported on a '{role.Value}' message.");
            }
        }

        if (role == ChatRole.Tool)
        {
            if (toolCallId is null) throw ApiException.InvalidRequest($"Missing required parameter: '{param}.tool_call_id'.", param + ".tool_call_id", "missing_required_parameter");
            return new ChatMessage(ChatRole.Tool, [new FunctionResultContent(toolCallId, text ?? "")]) { AuthorName = name };
        }
        if (text is null && calls.Count == 0)
            throw ApiException.InvalidRequest($"Missing required parameter: '{param}.content'.", param + ".content", "missing_required_parameter");

        var contents = new List<AIContent>();
        if (text is not null) contents.Add(new TextContent(text));
        contents.AddRange(calls);
        return new ChatMessage(role, contents) { AuthorName = name };
    }

    /// <summary>A string, or an array of <c>{"type":"text","text":...}</c> parts joined together.</summary>
    static string Content(JsonElement v, string param)
    {
        if (v.ValueKind == JsonValueKind.String) return v.GetString()!;
        if (v.ValueKind != JsonValueKind.Array) throw ApiException.InvalidType(param, "a string or an array of content parts");
        var sb = new StringBuilder();
        foreach (var part in v.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw ApiException.InvalidType(param, "content parts with a 'type'");
            if (type.GetString() != "text")
                throw ApiException.Unsupported(param, $"content parts of type '{type.GetString()}' are not supported by this text-only server.");
            if (!part.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
                throw ApiException.InvalidType(param + ".text", "a string");
            sb.Append(t.GetString());
        }
        return sb.ToString();
    }
}
