using System.Buffers;
using System.Text.Json;
using Hearth.Core.Memory;

namespace Hearth.Core.OpenAI;

/// <summary>Conversations and their messages as JSON (shape documented in protocol/README.md). Times are unix seconds.</summary>
public static class ConversationJson
{
    public static ReadOnlyMemory<byte> One(Conversation c) => Write(w => Conversation(w, c));

    public static ReadOnlyMemory<byte> List(IReadOnlyList<Conversation> page, bool hasMore) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        foreach (var c in page) Conversation(w, c);
        w.WriteEndArray();
        if (page.Count > 0) { w.WriteString("first_id", page[0].Id); w.WriteString("last_id", page[^1].Id); }
        w.WriteBoolean("has_more", hasMore);
        w.WriteEndObject();
    });

    public static ReadOnlyMemory<byte> Deleted(string id) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "conversation.deleted");
        w.WriteBoolean("deleted", true);
        w.WriteEndObject();
    });

    public static ReadOnlyMemory<byte> Messages(IReadOnlyList<StoredMessage> messages) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        foreach (var m in messages) Message(w, m);
        w.WriteEndArray();
        w.WriteBoolean("has_more", false);
        w.WriteEndObject();
    });

    static void Conversation(Utf8JsonWriter w, Conversation c)
    {
        w.WriteStartObject();
        w.WriteString("id", c.Id);
        w.WriteString("object", "conversation");
        w.WriteString("title", c.Title);
        if (c.Model is null) w.WriteNull("model"); else w.WriteString("model", c.Model);
        w.WriteNumber("created_at", c.CreatedAt / 1000);
        w.WriteNumber("updated_at", c.UpdatedAt / 1000);
        w.WritePropertyName("metadata");
        w.WriteRawValue(c.Metadata);
        w.WriteEndObject();
    }

    static void Message(Utf8JsonWriter w, StoredMessage m)
    {
        w.WriteStartObject();
        w.WriteString("id", m.Id);
        w.WriteString("object", "conversation.message");
        w.WriteString("conversation_id", m.ConversationId);
        w.WriteNumber("seq", m.Seq);
        w.WriteString("role", m.Role);
        w.WriteString("content", m.Content);
        Optional(w, "name", m.Name);
        if (m.ToolCalls is not null) { w.WritePropertyName("tool_calls"); w.WriteRawValue(m.ToolCalls); }
        Optional(w, "tool_call_id", m.ToolCallId);
        Optional(w, "model", m.Model);
        Optional(w, "provider", m.Provider);
        if (m.PromptTokens is int p) w.WriteNumber("prompt_tokens", p);
        if (m.CompletionTokens is int c) w.WriteNumber("completion_tokens", c);
        if (m.PromptTokens is not null || m.CompletionTokens is not null)
        {
            w.WriteStartObject("usage");
            w.WriteNumber("prompt_tokens", m.PromptTokens ?? 0);
            w.WriteNumber("completion_tokens", m.CompletionTokens ?? 0);
            w.WriteNumber("total_tokens", (m.PromptTokens ?? 0) + (m.CompletionTokens ?? 0));
            w.WriteEndObject();
        }
        Optional(w, "finish_reason", m.FinishReason);
        w.WriteBoolean("interrupted", m.Interrupted);
        if (m.Timings is not null) { w.WritePropertyName("timings"); w.WriteRawValue(m.Timings); }
        w.WriteNumber("created_at", m.CreatedAt / 1000);
        w.WriteEndObject();
    }

    static void Optional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }

    static ReadOnlyMemory<byte> Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WireJson.Options)) write(w);
        return buffer.WrittenMemory;
    }
}
