using System.Text.Json;
using Hearth.Core.OpenAI;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Memory;

/// <summary>Converts between <see cref="ChatMessage"/> and the store's rows.</summary>
public static class MessageRecords
{
    public static NewMessage ToNew(ChatMessage m)
    {
        var result = m.Contents.OfType<FunctionResultContent>().FirstOrDefault();
        if (m.Role == ChatRole.Tool && result is not null)
            return new NewMessage("tool", Convert.ToString(result.Result) ?? "", m.AuthorName, ToolCallId: result.CallId);
        var calls = m.Contents.OfType<FunctionCallContent>().ToList();
        return new NewMessage(m.Role.Value, m.Text, m.AuthorName, ToolCallJson.ArrayText(calls));
    }

    public static ChatMessage ToChatMessage(StoredMessage s)
    {
        if (s.Role == "tool")
            return new ChatMessage(ChatRole.Tool, [new FunctionResultContent(s.ToolCallId ?? "", s.Content)]) { AuthorName = s.Name };
        var contents = new List<AIContent>();
        if (s.Content.Length > 0 || s.ToolCalls is null) contents.Add(new TextContent(s.Content));
        if (s.ToolCalls is not null)
        {
            using var doc = JsonDocument.Parse(s.ToolCalls);
            contents.AddRange(ToolParser.Calls(doc.RootElement, "tool_calls"));
        }
        return new ChatMessage(new ChatRole(s.Role), contents) { AuthorName = s.Name };
    }

    /// <summary>What two messages must share to count as the same message (role and text).</summary>
    public static bool SameMessage(ChatMessage a, ChatMessage b)
    {
        if (a.Role != b.Role) return false;
        var ar = a.Contents.OfType<FunctionResultContent>().FirstOrDefault();
        var br = b.Contents.OfType<FunctionResultContent>().FirstOrDefault();
        if (ar is not null || br is not null)
            return ar?.CallId == br?.CallId && Convert.ToString(ar?.Result) == Convert.ToString(br?.Result);
        return a.Text == b.Text;
    }
}
