using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Hearth.Client;

/// <summary>Writes chat requests and reads stream chunks and errors in the OpenAI wire format.</summary>
public static class OpenAIWire
{
    /// <summary>A streaming <c>/chat/completions</c> body for <paramref name="model"/>.</summary>
    public static byte[] RequestBody(string model, IEnumerable<ChatMessage> messages, ChatOptions? options, Action<Utf8JsonWriter, ChatOptions?>? extra = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", model);
            w.WriteStartArray("messages");
            foreach (var m in messages) WriteMessage(w, m);
            w.WriteEndArray();
            w.WriteBoolean("stream", true);
            w.WriteStartObject("stream_options");
            w.WriteBoolean("include_usage", true);
            w.WriteEndObject();
            if (options is not null)
            {
                if (options.Temperature is float t) w.WriteNumber("temperature", t);
                if (options.TopP is float p) w.WriteNumber("top_p", p);
                if (options.TopK is int k) w.WriteNumber("top_k", k);
                if (options.MaxOutputTokens is int max) w.WriteNumber("max_tokens", max);
                if (options.Seed is long seed) w.WriteNumber("seed", seed);
                if (options.FrequencyPenalty is float fp) w.WriteNumber("frequency_penalty", fp);
                if (options.PresencePenalty is float pp) w.WriteNumber("presence_penalty", pp);
                if (options.StopSequences is { Count: > 0 } stop)
                {
                    w.WriteStartArray("stop");
                    foreach (var s in stop) w.WriteStringValue(s);
                    w.WriteEndArray();
                }
                WriteTools(w, options);
                WriteResponseFormat(w, options.ResponseFormat);
                WriteSamplingExtras(w, options.AdditionalProperties);
            }
            extra?.Invoke(w, options);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    static void WriteMessage(Utf8JsonWriter w, ChatMessage m)
    {
        w.WriteStartObject();
        var result = m.Contents.OfType<FunctionResultContent>().FirstOrDefault();
        if (m.Role == ChatRole.Tool && result is not null)
        {
            w.WriteString("role", "tool");
            w.WriteString("tool_call_id", result.CallId);
            w.WriteString("content", result.Result as string ?? JsonSerializer.Serialize(result.Result));
            w.WriteEndObject();
            return;
        }
        w.WriteString("role", m.Role.Value);
        if (m.AuthorName is not null) w.WriteString("name", m.AuthorName);
        w.WriteString("content", m.Text);
        var calls = m.Contents.OfType<FunctionCallContent>().ToList();
        if (calls.Count > 0)
        {
            w.WriteStartArray("tool_calls");
            foreach (var c in calls)
            {
                w.WriteStartObject();
                w.WriteString("id", c.CallId);
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", c.Name);
                w.WriteString("arguments", JsonSerializer.Serialize(c.Arguments ?? new Dictionary<string, object?>()));
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// Sampling settings beyond ChatOptions' own, under their wire names: OpenAI's <c>logit_bias</c>, and the
    /// <c>min_p</c> and <c>repeat_penalty</c> that llama.cpp's server, vLLM and Hearth take. Sent only when set, so an
    /// upstream that cannot honour one refuses the request rather than ignoring it silently here.
    /// </summary>
    static void WriteSamplingExtras(Utf8JsonWriter w, AdditionalPropertiesDictionary? extras)
    {
        if (extras is null) return;
        if (extras.TryGetValue("logit_bias", out var bias) && bias is IEnumerable<KeyValuePair<int, float>> pairs)
        {
            w.WriteStartObject("logit_bias");
            foreach (var (token, value) in pairs) w.WriteNumber(token.ToString(System.Globalization.CultureInfo.InvariantCulture), value);
            w.WriteEndObject();
        }
        foreach (var key in (string[])["min_p", "repeat_penalty"])
            if (extras.TryGetValue(key, out var v) && v is float f) w.WriteNumber(key, f);
    }

    /// <summary>OpenAI's <c>response_format</c>: text, json_object, or json_schema with its name and schema.</summary>
    static void WriteResponseFormat(Utf8JsonWriter w, ChatResponseFormat? format)
    {
        switch (format)
        {
            case null: return;
            case ChatResponseFormatText:
                w.WriteStartObject("response_format");
                w.WriteString("type", "text");
                w.WriteEndObject();
                return;
            case ChatResponseFormatJson { Schema: null }:
                w.WriteStartObject("response_format");
                w.WriteString("type", "json_object");
                w.WriteEndObject();
                return;
            case ChatResponseFormatJson json:
                w.WriteStartObject("response_format");
                w.WriteString("type", "json_schema");
                w.WriteStartObject("json_schema");
                w.WriteString("name", json.SchemaName ?? "response");
                if (json.SchemaDescription is { } description) w.WriteString("description", description);
                w.WritePropertyName("schema");
                json.Schema.Value.WriteTo(w);
                w.WriteBoolean("strict", true);
                w.WriteEndObject();
                w.WriteEndObject();
                return;
        }
    }

    static void WriteTools(Utf8JsonWriter w, ChatOptions options)
    {
        var functions = options.Tools?.OfType<AIFunctionDeclaration>().ToList() ?? [];
        if (functions.Count == 0) return;
        w.WriteStartArray("tools");
        foreach (var f in functions)
        {
            w.WriteStartObject();
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", f.Name);
            if (!string.IsNullOrEmpty(f.Description)) w.WriteString("description", f.Description);
            w.WritePropertyName("parameters");
            f.JsonSchema.WriteTo(w);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        switch (options.ToolMode)
        {
            case NoneChatToolMode: w.WriteString("tool_choice", "none"); break;
            case RequiredChatToolMode { RequiredFunctionName: { } name }:
                w.WriteStartObject("tool_choice");
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", name);
                w.WriteEndObject();
                w.WriteEndObject();
                break;
            case RequiredChatToolMode: w.WriteString("tool_choice", "required"); break;
        }
    }

    /// <summary>The error a non-success response carries (OpenAI's <c>{"error":{...}}</c> when it is one).</summary>
    public static HearthException Error(int status, string body, int? retryAfter = null)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e))
                return ErrorOf(status, e, retryAfter);
        }
        catch (JsonException) { }
        return new HearthException(status, $"HTTP {status}: {(body.Length > 300 ? body[..300] : body)}", status >= 500 ? "server_error" : "invalid_request_error") { RetryAfterSeconds = retryAfter };
    }

    /// <summary>An error object as an exception (in a body or a stream's error event).</summary>
    public static HearthException ErrorOf(int status, JsonElement e, int? retryAfter = null)
    {
        if (e.ValueKind == JsonValueKind.String) return new HearthException(status, e.GetString()!) { RetryAfterSeconds = retryAfter };
        return new HearthException(status, Str(e, "message") ?? "error", Str(e, "type"), Str(e, "code"), Str(e, "param")) { RetryAfterSeconds = retryAfter };
    }

    static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
