using System.Text.Json;
using Hearth.Engine.Chat;
using Microsoft.Extensions.AI;

namespace Hearth.Core.OpenAI;

/// <summary>
/// Parses and validates an OpenAI chat completion body. Every field is checked for its type and range;
/// fields the service cannot honour are refused with a 400 naming the parameter, never ignored.
/// </summary>
public static class ChatRequestParser
{
    // Accepted but without effect on generation: they carry no meaning here.
    static readonly HashSet<string> Inert = ["user", "store", "metadata", "service_tier"];

    public static ChatCompletionRequest Parse(ReadOnlyMemory<byte> body)
    {
        using var doc = ParseJson(body);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw ApiException.InvalidRequest("The request body must be a JSON object.", null, "invalid_json");

        var options = new ChatOptions { AdditionalProperties = [] };
        string? model = null, conversationId = null;
        IReadOnlyList<ChatMessage>? messages = null;
        bool stream = false, includeUsage = false, logprobs = false;
        int? topLogprobs = null, memoryWindow = null, maxTokens = null;
        TimeSpan? keepAlive = null;
        var strictTools = new List<string>();

        foreach (var p in root.EnumerateObject())
        {
            var v = p.Value;
            if (v.ValueKind == JsonValueKind.Null) continue; // null means "not given", as in OpenAI's API
            switch (p.Name)
            {
                case "model": model = String(v, "model"); break;
                case "messages": messages = MessageParser.ParseAll(v); break;
                case "stream": stream = Bool(v, "stream"); break;
                case "stream_options": includeUsage = StreamOptions(v); break;
                case "temperature": options.Temperature = Number(v, "temperature", 0, 2); break;
                case "top_p": options.TopP = Number(v, "top_p", 0, 1); break;
                case "top_k": options.TopK = Int(v, "top_k", 0, int.MaxValue); break;
                case "min_p": options.AdditionalProperties[ChatOptionKeys.MinP] = Number(v, "min_p", 0, 1); break;
                case "repeat_penalty": options.AdditionalProperties[ChatOptionKeys.RepeatPenalty] = Number(v, "repeat_penalty", 0, 10); break;
                case "max_tokens" or "max_completion_tokens": maxTokens = Int(v, p.Name, 1, int.MaxValue); break;
                case "stop": options.StopSequences = Stop(v); break;
                case "seed": options.Seed = Long(v, "seed"); break;
                case "frequency_penalty": options.FrequencyPenalty = Number(v, "frequency_penalty", -2, 2); break;
                case "presence_penalty": options.PresencePenalty = Number(v, "presence_penalty", -2, 2); break;
                case "logit_bias": options.AdditionalProperties[ChatOptionKeys.LogitBias] = LogitBias(v); break;
                case "logprobs": logprobs = Bool(v, "logprobs"); break;
                case "top_logprobs": topLogprobs = Int(v, "top_logprobs", 0, 20); break;
                case "n":
                    if (Int(v, "n", 1, 128) != 1) throw ApiException.Unsupported("n", "this server generates one choice per request; 'n' must be 1.");
                    break;
                case "tools": options.Tools = ToolParser.Tools(v, strictTools); break;
                case "tool_choice": options.ToolMode = ToolParser.ToolChoice(v); break;
                case "response_format": options.ResponseFormat = ResponseFormatParser.Parse(v); break;
                case "parallel_tool_calls": options.AllowMultipleToolCalls = Bool(v, "parallel_tool_calls"); break;
                case "conversation_id": conversationId = String(v, "conversation_id"); break;
                case "memory_window": memoryWindow = Int(v, "memory_window", 0, int.MaxValue); break;
                case "keep_alive": keepAlive = KeepAliveOf(v); break;
                case "routing": options.AdditionalProperties[Routing.RouteOptions.BodyKey] = Routing.RouteOptions.ParseBody(v); break;
                default:
                    if (Inert.Contains(p.Name)) break;
                    throw ApiException.Unsupported(p.Name, "this server does not support it.");
            }
        }

        if (string.IsNullOrWhiteSpace(model)) throw ApiException.InvalidRequest("Missing required parameter: 'model'.", "model", "missing_required_parameter");
        if (messages is null) throw ApiException.InvalidRequest("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
        if (topLogprobs is not null && !logprobs) throw ApiException.InvalidValue("top_logprobs", "'logprobs' must be true to use 'top_logprobs'.");
        if (includeUsage && !stream) throw ApiException.InvalidValue("stream_options", "'stream_options' is only allowed when 'stream' is true.");

        ToolParser.CheckChoice(options, strictTools);
        options.ModelId = model;
        options.MaxOutputTokens = maxTokens;
        if (logprobs)
        {
            options.AdditionalProperties[ChatOptionKeys.Logprobs] = true;
            options.AdditionalProperties[ChatOptionKeys.TopLogprobs] = topLogprobs ?? 0;
        }
        options.ConversationId = conversationId;
        return new ChatCompletionRequest
        {
            Model = model, Messages = messages, Options = options, Stream = stream, IncludeUsage = includeUsage,
            Logprobs = logprobs, ConversationId = conversationId, MemoryWindow = memoryWindow, KeepAlive = keepAlive,
        };
    }

    /// <summary>Ollama's <c>keep_alive</c>: seconds, or a duration such as "5m"; 0 unloads after the request, negative never.</summary>
    public static TimeSpan KeepAliveOf(JsonElement v)
    {
        try { return Models.KeepAlive.Parse(v) ?? throw new FormatException("keep_alive is empty."); }
        catch (FormatException e) { throw ApiException.InvalidValue("keep_alive", e.Message); }
    }

    public static JsonDocument ParseJson(ReadOnlyMemory<byte> body)
    {
        // JsonDocument checks UTF-8 only when a string is read; check it once here so bad bytes are a 400, not a 500.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
            throw ApiException.InvalidRequest("The request body is not valid UTF-8.", null, "invalid_json");
        try { return JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 }); }
        catch (JsonException e)
        {
            throw ApiException.InvalidRequest($"The request body is not valid JSON: {e.Message}", null, "invalid_json");
        }
    }

    static bool StreamOptions(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Object) throw ApiException.InvalidType("stream_options", "an object");
        var include = false;
        foreach (var p in v.EnumerateObject())
        {
            if (p.Name == "include_usage") include = p.Value.ValueKind != JsonValueKind.Null && Bool(p.Value, "stream_options.include_usage");
            else if (p.Name != "include_obfuscation") throw ApiException.Unsupported("stream_options." + p.Name, "this server does not support it.");
        }
        return include;
    }

    static IList<string> Stop(JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.String) return NonEmpty([v.GetString()!]);
        if (v.ValueKind != JsonValueKind.Array) throw ApiException.InvalidType("stop", "a string or an array of strings");
        var list = new List<string>();
        foreach (var s in v.EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.String) throw ApiException.InvalidType("stop", "a string or an array of strings");
            list.Add(s.GetString()!);
        }
        if (list.Count > 4) throw ApiException.InvalidValue("stop", "at most 4 stop sequences.");
        return NonEmpty(list);

        static List<string> NonEmpty(List<string> list) =>
            list.Any(string.IsNullOrEmpty) ? throw ApiException.InvalidValue("stop", "stop sequences must not be empty.") : list;
    }

    static IReadOnlyDictionary<int, float> LogitBias(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Object) throw ApiException.InvalidType("logit_bias", "an object mapping token ids to numbers");
        var bias = new Dictionary<int, float>();
        foreach (var p in v.EnumerateObject())
        {
            if (!int.TryParse(p.Name, out var token) || token < 0)
                throw ApiException.InvalidValue("logit_bias", $"'{p.Name}' is not a token id.");
            bias[token] = (float)Number(p.Value, "logit_bias", -100, 100);
        }
        return bias;
    }

    internal static string String(JsonElement v, string param) =>
        v.ValueKind == JsonValueKind.String ? v.GetString()! : throw ApiException.InvalidType(param, "a string");

    internal static bool Bool(JsonElement v, string param) => v.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw ApiException.InvalidType(param, "a boolean"),
    };

    static float Number(JsonElement v, string param, double min, double max)
    {
        if (v.ValueKind != JsonValueKind.Number) throw ApiException.InvalidType(param, "a number");
        var d = v.GetDouble();
        if (d < min || d > max) throw ApiException.InvalidValue(param, $"{d} is outside [{min}, {max}].");
        return (float)d;
    }

    static int Int(JsonElement v, string param, int min, int max)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n)) throw ApiException.InvalidType(param, "an integer");
        if (n < min || n > max) throw ApiException.InvalidValue(param, $"{n} is outside [{min}, {max}].");
        return (int)n;
    }

    static long Long(JsonElement v, string param) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : throw ApiException.InvalidType(param, "an integer");
}
