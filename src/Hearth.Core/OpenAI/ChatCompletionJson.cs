using System.Buffers;
using System.Text.Json;
using Hearth.Engine.Chat;
using Microsoft.Extensions.AI;

namespace Hearth.Core.OpenAI;

/// <summary>The identity every chunk of one completion repeats.</summary>
public sealed record CompletionId(string Id, long Created, string Model)
{
    public static CompletionId New(string model) =>
        new("chatcmpl-" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model);
}

/// <summary>Writes OpenAI <c>chat.completion</c> responses and <c>chat.completion.chunk</c> stream events.</summary>
public static class ChatCompletionJson
{
    public static ReadOnlyMemory<byte> Response(CompletionId id, string text, IReadOnlyList<FunctionCallContent> calls, string? finishReason,
        IReadOnlyList<TokenLogprob>? logprobs, UsageDetails? usage, GenerationTimings? timings)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using var w = new Utf8JsonWriter(buffer, WireJson.Options);
        Header(w, id, "chat.completion");
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        if (text.Length == 0 && calls.Count > 0) w.WriteNull("content"); else w.WriteString("content", text);
        w.WriteNull("refusal");
        if (calls.Count > 0)
        {
            w.WriteStartArray("tool_calls");
            foreach (var c in calls) ToolCallJson.Write(w, c);
            w.WriteEndArray();
        }
        w.WriteEndObject();
        Logprobs(w, logprobs);
        w.WriteString("finish_reason", finishReason ?? "stop");
        w.WriteEndObject();
        w.WriteEndArray();
        Usage(w, usage);
        Timings(w, timings);
        w.WriteEndObject();
        w.Flush();
        return buffer.WrittenMemory;
    }

    /// <summary>One streamed delta. <paramref name="withRole"/> on the first; <paramref name="usageNull"/> when include_usage is on.</summary>
    public static ReadOnlyMemory<byte> Chunk(CompletionId id, bool withRole, string? content, IReadOnlyList<(int Index, FunctionCallContent Call)> calls,
        IReadOnlyList<TokenLogprob>? logprobs, string? finishReason, bool usageNull) => Sse.Sse.Event(w =>
    {
        Header(w, id, "chat.completion.chunk");
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("delta");
        if (withRole) w.WriteString("role", "assistant");
        if (content is not null) w.WriteString("content", content);
        if (calls.Count > 0)
        {
            w.WriteStartArray("tool_calls");
            foreach (var (index, call) in calls) ToolCallJson.Write(w, call, index);
            w.WriteEndArray();
        }
        w.WriteEndObject();
        Logprobs(w, logprobs);
        if (finishReason is null) w.WriteNull("finish_reason"); else w.WriteString("finish_reason", finishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        if (usageNull) w.WriteNull("usage");
        w.WriteEndObject();
    });

    /// <summary>The stream_options.include_usage chunk: no choices, the whole completion's usage.</summary>
    public static ReadOnlyMemory<byte> UsageChunk(CompletionId id, UsageDetails? usage, GenerationTimings? timings) => Sse.Sse.Event(w =>
    {
        Header(w, id, "chat.completion.chunk");
        w.WriteStartArray("choices");
        w.WriteEndArray();
        Usage(w, usage);
        Timings(w, timings);
        w.WriteEndObject();
    });

    /// <summary>An error after the stream has started (the status line is already sent): one event, then the stream ends.</summary>
    public static ReadOnlyMemory<byte> ErrorChunk(ApiException e) => Sse.Sse.Event(w =>
    {
        w.WriteStartObject();
        ErrorJson.Write(w, e);
        w.WriteEndObject();
    });

    static void Header(Utf8JsonWriter w, CompletionId id, string type)
    {
        w.WriteStartObject();
        w.WriteString("id", id.Id);
        w.WriteString("object", type);
        w.WriteNumber("created", id.Created);
        w.WriteString("model", id.Model);
        w.WriteNull("system_fingerprint");
    }

    static void Usage(Utf8JsonWriter w, UsageDetails? usage)
    {
        var prompt = usage?.InputTokenCount ?? 0;
        var completion = usage?.OutputTokenCount ?? 0;
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", prompt);
        w.WriteNumber("completion_tokens", completion);
        w.WriteNumber("total_tokens", usage?.TotalTokenCount ?? prompt + completion);
        w.WriteStartObject("prompt_tokens_details");
        w.WriteNumber("cached_tokens", usage?.CachedInputTokenCount ?? 0);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>llama.cpp-style extension: where the time went.</summary>
    static void Timings(Utf8JsonWriter w, GenerationTimings? t)
    {
        if (t is null) return;
        w.WriteStartObject("timings");
        w.WriteNumber("prompt_n", t.PromptTokens);
        w.WriteNumber("prompt_cached", t.CachedPromptTokens);
        w.WriteNumber("prompt_ms", t.PromptMs);
        w.WriteNumber("prompt_per_second", t.PromptTokensPerSecond);
        w.WriteNumber("predicted_n", t.GeneratedTokens);
        w.WriteNumber("predicted_ms", t.GenerationMs);
        w.WriteNumber("predicted_per_second", t.GenerationTokensPerSecond);
        w.WriteEndObject();
    }

    static void Logprobs(Utf8JsonWriter w, IReadOnlyList<TokenLogprob>? logprobs)
    {
        if (logprobs is null) { w.WriteNull("logprobs"); return; }
        w.WriteStartObject("logprobs");
        w.WriteStartArray("content");
        foreach (var t in logprobs)
        {
            w.WriteStartObject();
            Token(w, t.Token, t.Logprob, t.Bytes);
            w.WriteStartArray("top_logprobs");
            foreach (var alt in t.TopLogprobs)
            {
                w.WriteStartObject();
                Token(w, alt.Token, alt.Logprob, alt.Bytes);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNull("refusal");
        w.WriteEndObject();
    }

    static void Token(Utf8JsonWriter w, string token, float logprob, byte[] bytes)
    {
        w.WriteString("token", token);
        w.WriteNumber("logprob", logprob);
        w.WriteStartArray("bytes");
        foreach (var b in bytes) w.WriteNumberValue(b);
        w.WriteEndArray();
    }
}
