using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Hearth.Client;

/// <summary>
/// An <see cref="IChatClient"/> over any OpenAI-compatible <c>/chat/completions</c> endpoint (OpenAI, Ollama,
/// LM Studio, vLLM, llama.cpp's server, another Hearth), always streamed. A refusal before the stream starts throws
/// <see cref="HearthException"/> with the server's status; a stream cut off before <c>[DONE]</c> throws
/// <see cref="IOException"/>, so a partial reply is never mistaken for a whole one.
/// </summary>
public class OpenAICompatibleChatClient : IChatClient
{
    readonly HttpClient _http;
    readonly bool _ownsHttp;

    /// <param name="baseAddress">The API root, e.g. <c>https://api.openai.com/v1/</c> or <c>http://127.0.0.1:11435/v1/</c>.</param>
    /// <param name="apiKey">Sent as a Bearer token; null sends none.</param>
    /// <param name="defaultModel">Used when a request's options name no model.</param>
    public OpenAICompatibleChatClient(Uri baseAddress, string? apiKey = null, string? defaultModel = null, HttpClient? http = null)
    {
        BaseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        ApiKey = apiKey;
        DefaultModel = defaultModel;
        _ownsHttp = http is null;
        _http = http ?? CreateHttpClient();
    }

    public Uri BaseAddress { get; }
    public string? DefaultModel { get; }
    protected string? ApiKey { get; }
    protected HttpClient Http => _http;

    /// <summary>An HttpClient for long streams: no overall timeout, a short connect timeout.</summary>
    public static HttpClient CreateHttpClient(TimeSpan? connectTimeout = null) =>
        new(new SocketsHttpHandler { ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(10), PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        { Timeout = Timeout.InfiniteTimeSpan };

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var model = options?.ModelId ?? DefaultModel ?? throw new ArgumentException("No model: set ChatOptions.ModelId.", nameof(options));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseAddress, "chat/completions"))
        {
            Content = new ByteArrayContent(OpenAIWire.RequestBody(model, messages, options, WriteExtensions)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        Authorize(request);
        PrepareRequest(request, options);

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var conversationId = ConversationIdOf(response);
        var properties = ResponseProperties(response);

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var calls = new SortedDictionary<int, (string Id, string Name, System.Text.StringBuilder Args)>();
        var done = false;
        await foreach (var e in SseLines.ReadAsync(body, cancellationToken).ConfigureAwait(false))
        {
            if (e.Data == "[DONE]") { done = true; break; }
            var update = ParseChunk(e.Data, calls, response);
            if (update is null) continue;
            update.ConversationId ??= conversationId;
            if (properties is not null) update.AdditionalProperties = new(properties);
            yield return update;
        }
        if (!done) throw new IOException($"The stream from {BaseAddress.Authority} ended before [DONE]: the server went away mid-reply.");
        if (calls.Count > 0)
        {
            // Tool calls arrive as argument fragments; they are whole only at the end.
            yield return new ChatResponseUpdate
            {
                Role = ChatRole.Assistant, ConversationId = conversationId,
                Contents = [.. calls.Values.Select(c => FunctionCallContent.CreateFromParsedArguments(c.Args.ToString(), c.Id, c.Name,
                    a => JsonSerializer.Deserialize<Dictionary<string, object?>>(a.Length == 0 ? "{}" : a)))],
            };
        }
    }

    static ChatResponseUpdate? ParseChunk(string data, SortedDictionary<int, (string Id, string Name, System.Text.StringBuilder Args)> calls, HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(data);
        var root = doc.RootElement;
        if (root.TryGetProperty("error", out var error))
            throw OpenAIWire.ErrorOf(500, error); // the stream had started: the status line said 200, the server says otherwise
        var update = new ChatResponseUpdate { Role = ChatRole.Assistant };
        if (root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String) update.ResponseId = id.GetString();
        if (root.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String) update.ModelId = model.GetString();
        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            var choice = choices[0];
            if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
            {
                if (delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 } text)
                    update.Contents.Add(new TextContent(text));
                if (delta.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array)
                {
                    foreach (var call in toolCalls.EnumerateArray())
                    {
                        var index = call.TryGetProperty("index", out var i) && i.ValueKind == JsonValueKind.Number && i.TryGetInt32(out var n) ? n : calls.Count;
                        if (!calls.TryGetValue(index, out var c)) c = ("", "", new System.Text.StringBuilder());
                        if (call.TryGetProperty("id", out var cid) && cid.ValueKind == JsonValueKind.String) c.Id = cid.GetString()!;
                        if (call.TryGetProperty("function", out var f))
                        {
                            if (f.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String) c.Name += name.GetString();
                            if (f.TryGetProperty("arguments", out var args) && args.ValueKind == JsonValueKind.String) c.Args.Append(args.GetString());
                        }
                        calls[index] = c;
                    }
                }
            }
            if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
                update.FinishReason = finish.GetString() switch
                {
                    "stop" => ChatFinishReason.Stop,
                    "length" => ChatFinishReason.Length,
                    "tool_calls" => ChatFinishReason.ToolCalls,
                    "content_filter" => ChatFinishReason.ContentFilter,
                    var other => new ChatFinishReason(other!),
                };
        }
        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            update.Contents.Add(new UsageContent(new UsageDetails
            {
                InputTokenCount = Long(usage, "prompt_tokens"), OutputTokenCount = Long(usage, "completion_tokens"), TotalTokenCount = Long(usage, "total_tokens"),
            }));
        }
        return update.Contents.Count > 0 || update.FinishReason is not null ? update : null;
    }

    static long? Long(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    protected void Authorize(HttpRequestMessage request)
    {
        if (!string.IsNullOrEmpty(ApiKey)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
    }

    /// <summary>Throws the server's error (as <see cref="HearthException"/>) for a non-success response.</summary>
    protected static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var retry = response.Headers.RetryAfter?.Delta is { } d ? (int?)d.TotalSeconds : null;
        throw OpenAIWire.Error((int)response.StatusCode, body, retry);
    }

    /// <summary>Hook for extensions a subclass adds to each request (headers).</summary>
    protected virtual void PrepareRequest(HttpRequestMessage request, ChatOptions? options) { }

    /// <summary>Hook for extension fields a subclass adds to each request body.</summary>
    protected virtual void WriteExtensions(Utf8JsonWriter w, ChatOptions? options) { }

    /// <summary>The conversation a reply belongs to, when the server says (Hearth's x-conversation-id).</summary>
    protected virtual string? ConversationIdOf(HttpResponseMessage response) => null;

    /// <summary>Properties a subclass reads off the response to put on every update.</summary>
    protected virtual AdditionalPropertiesDictionary? ResponseProperties(HttpResponseMessage response) => null;

    public virtual object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing && _ownsHttp) _http.Dispose();
    }
}
