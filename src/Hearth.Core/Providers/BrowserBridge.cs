using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Hearth.Client;
using Hearth.Core.Registry;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Providers;

/// <summary>
/// Provider "browser": pages on this machine that offer their in-browser engine (wllama, WebLLM) over a WebSocket
/// (<c>/v1/bridge</c>). Each model a connected page offers is <c>browser/&lt;model&gt;</c>. Only loopback pages may
/// connect, so inference stays on this device.
/// </summary>
/// <remarks>
/// Protocol, JSON text frames. Page → server: <c>{"type":"hello","models":[{"id","context_window"}]}</c>,
/// <c>{"type":"text","id","text"}</c>, <c>{"type":"done","id","finish_reason","prompt_tokens","completion_tokens"}</c>,
/// <c>{"type":"error","id","message","code"}</c>. Server → page: <c>{"type":"generate","id","model","messages","options"}</c>,
/// <c>{"type":"cancel","id"}</c>.
/// </remarks>
public sealed class BrowserBridge : IChatProvider
{
    public const string ProviderName = "browser";
    static readonly ModelPrice Free = new(0, 0);
    readonly ConcurrentDictionary<string, BrowserSession> _sessions = new();

    public string Name => ProviderName;
    public bool IsLocal => true;
    public int Priority => 50;
    public TimeSpan? FirstTokenTimeout => TimeSpan.FromMinutes(2);
    public ModelPrice? PriceOf(string model) => Free;

    /// <summary>Serves one page until its socket closes; its requests in flight then fail (mid-reply: interrupted).</summary>
    public async Task RunSessionAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var session = new BrowserSession(socket);
        _sessions[session.Id] = session;
        try { await session.ReceiveLoopAsync(cancellationToken).ConfigureAwait(false); }
        finally
        {
            _sessions.TryRemove(session.Id, out _);
            session.Fail(new IOException("The browser page went away."));
        }
    }

    public Task<IReadOnlyList<ModelDescriptor>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ModelDescriptor>>([.. _sessions.Values.SelectMany(s => s.Models).DistinctBy(m => m.Id)
            .Select(m => new ModelDescriptor(m.Id, 0, null, Cached: true, Loaded: true, Compatible: true, m.ContextWindow, 0, ProviderName))]);

    public Task<bool> OffersAsync(string model, CancellationToken cancellationToken) =>
        Task.FromResult(_sessions.Values.Any(s => s.Models.Any(m => m.Id == model)));

    public Task<IChatClient> GetChatClientAsync(string model, TimeSpan? keepAlive, CancellationToken cancellationToken)
    {
        var session = _sessions.Values.FirstOrDefault(s => s.Models.Any(m => m.Id == model))
            ?? throw new ModelNotFoundException(model, $"No browser page offers '{model}' now.");
        return Task.FromResult<IChatClient>(new BrowserChatClient(session, model));
    }

    sealed record OfferedModel(string Id, int? ContextWindow);

    /// <summary>One connected page: what it offers, and the replies it is streaming back, by request id.</summary>
    sealed class BrowserSession(WebSocket socket)
    {
        readonly SemaphoreSlim _send = new(1, 1);
        readonly ConcurrentDictionary<string, Channel<JsonElement>> _pending = new();

        public string Id { get; } = Guid.NewGuid().ToString("N");
        public IReadOnlyList<OfferedModel> Models { get; private set; } = [];

        public async Task ReceiveLoopAsync(CancellationToken ct)
        {
            var buffer = new byte[64 * 1024];
            using var message = new MemoryStream();
            while (socket.State == WebSocketState.Open)
            {
                WebSocketReceiveResult result;
                try { result = await socket.ReceiveAsync(buffer, ct).ConfigureAwait(false); }
                catch (Exception e) when (e is WebSocketException or OperationCanceledException) { return; }
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // Complete the close handshake, so the page sees a clean goodbye.
                    try { await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", ct).ConfigureAwait(false); }
                    catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
                    return;
                }
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                if (message.Length > 16 * 1024 * 1024) return; // a page that floods us is dropped
                Handle(message.ToArray());
                message.SetLength(0);
            }
        }

        void Handle(byte[] frame)
        {
            JsonElement root;
            try { root = JsonDocument.Parse(frame).RootElement.Clone(); }
            catch (JsonException) { return; }
            var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type == "hello" && root.TryGetProperty("models", out var models) && models.ValueKind == JsonValueKind.Array)
            {
                Models = [.. models.EnumerateArray().Where(m => m.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                    .Select(m => new OfferedModel(m.GetProperty("id").GetString()!,
                        m.TryGetProperty("context_window", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : null))];
                return;
            }
            if (root.TryGetProperty("id", out var rid) && rid.ValueKind == JsonValueKind.String && _pending.TryGetValue(rid.GetString()!, out var channel))
                channel.Writer.TryWrite(root);
        }

        public Channel<JsonElement> Open(string id)
        {
            var channel = Channel.CreateUnbounded<JsonElement>(new UnboundedChannelOptions { SingleReader = true });
            _pending[id] = channel;
            return channel;
        }

        public void Close(string id) => _pending.TryRemove(id, out _);

        public void Fail(Exception e)
        {
            foreach (var channel in _pending.Values) channel.Writer.TryComplete(e);
        }

        public async Task SendAsync(object message, CancellationToken ct)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(message);
            await _send.WaitAsync(ct).ConfigureAwait(false);
            try { await socket.SendAsync(bytes, WebSocketMessageType.Text, true, ct).ConfigureAwait(false); }
            catch (WebSocketException e) { throw new IOException("The browser page went away.", e); }
            finally { _send.Release(); }
        }
    }

    /// <summary>One model of one page as a chat client: a generate request out, its text back as updates.</summary>
    sealed class BrowserChatClient(BrowserSession session, string model) : IChatClient
    {
        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false);

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var id = Guid.NewGuid().ToString("N");
            var replies = session.Open(id);
            var finished = false;
            try
            {
                await session.SendAsync(new
                {
                    type = "generate", id, model,
                    messages = messages.Select(m => new { role = m.Role.Value, content = m.Text }),
                    options = new
                    {
                        max_tokens = options?.MaxOutputTokens, temperature = options?.Temperature, top_p = options?.TopP, seed = options?.Seed,
                        stop = options?.StopSequences, frequency_penalty = options?.FrequencyPenalty, presence_penalty = options?.PresencePenalty,
                    },
                }, cancellationToken).ConfigureAwait(false);

                await foreach (var reply in replies.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    switch (reply.GetProperty("type").GetString())
                    {
                        case "text":
                            yield return new ChatResponseUpdate(ChatRole.Assistant, reply.GetProperty("text").GetString()) { ModelId = model };
                            break;
                        case "done":
                            finished = true;
                            yield return new ChatResponseUpdate
                            {
                                Role = ChatRole.Assistant, ModelId = model,
                                FinishReason = reply.TryGetProperty("finish_reason", out var f) && f.GetString() == "length" ? ChatFinishReason.Length : ChatFinishReason.Stop,
                                Contents = [new UsageContent(new UsageDetails { InputTokenCount = Long(reply, "prompt_tokens"), OutputTokenCount = Long(reply, "completion_tokens") })],
                            };
                            yield break;
                        case "error":
                            finished = true;
                            throw new HearthException(reply.TryGetProperty("code", out var c) && c.GetString() == "context_length_exceeded" ? 400 : 500,
                                "The browser engine failed: " + (reply.TryGetProperty("message", out var m) ? m.GetString() : "unknown error"),
                                "server_error", reply.TryGetProperty("code", out var code) ? code.GetString() : null);
                    }
                }
                throw new IOException("The browser page went away.");
            }
            finally
            {
                session.Close(id);
                // Tell the page to stop working on a request nobody waits for.
                if (!finished) try { await session.SendAsync(new { type = "cancel", id }, CancellationToken.None).ConfigureAwait(false); } catch (IOException) { }
            }
        }

        static long? Long(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
        public void Dispose() { }
    }
}
