using Hearth.Core.Memory;
using Hearth.Core.OpenAI;
using Hearth.Core.Registry;
using Hearth.Core.Telemetry;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Chat;

/// <summary>
/// <c>POST /v1/chat/completions</c> without the HTTP: validates the body, finds the model and the conversation,
/// and composes the chat pipeline (metrics → conversation memory → context guard → model).
/// Every refusal is an <see cref="ApiException"/>.
/// </summary>
public sealed class ChatCompletionHandler(IModelRegistry models, ConversationStore store, MemoryOptions memory, HearthMetrics metrics)
{
    public const string ConversationHeader = "x-conversation-id";

    /// <summary>Everything that can be refused is refused here, before a response starts.</summary>
    public Task<ChatCompletion> StartAsync(ReadOnlyMemory<byte> body, string? conversationHeader, CancellationToken cancellationToken) =>
        StartAsync(body, conversationHeader, routeHeader: null, cancellationToken);

    /// <param name="routeHeader">The request's <c>x-hearth-route</c> header (routing overrides), if any.</param>
    public async Task<ChatCompletion> StartAsync(ReadOnlyMemory<byte> body, string? conversationHeader, string? routeHeader, CancellationToken cancellationToken)
    {
        var request = ChatRequestParser.Parse(body);
        if (routeHeader is not null) request.Options.AdditionalProperties![Routing.RouteOptions.HeaderKey] = Routing.RouteOptions.ParseHeader(routeHeader);
        if (conversationHeader is not null && request.ConversationId is not null && conversationHeader != request.ConversationId)
            throw ApiException.InvalidValue("conversation_id", $"the body names conversation '{request.ConversationId}' but the {ConversationHeader} header names '{conversationHeader}'.");
        if (request.MemoryWindow is int window) request.Options.AdditionalProperties![MemoryOptions.WindowKey] = window;

        var model = await ModelClient(request.Model, request.KeepAlive, cancellationToken);
        try
        {
            // Where the router sends the request shows in the response header and in each saved message.
            if (model.GetService(typeof(Routing.RouteDecision)) is Routing.RouteDecision decision) request.Options.AdditionalProperties![Routing.RouteDecision.Key] = decision;
            var (conversationId, created) = await ConversationAsync(store, conversationHeader ?? request.ConversationId, request.Messages, request.Model, cancellationToken);
            request.Options.ConversationId = conversationId;
            return new ChatCompletion(request, Pipeline(model, store, memory, metrics), conversationId, metrics,
                onFailedBeforeStart: created ? () => store.DeleteAsync(conversationId) : null);
        }
        catch
        {
            model.Dispose(); // gives the model back to the registry
            throw;
        }
    }

    /// <summary>The conversation a completion belongs to: the one named (a 404 when there is none), else a new one titled from the messages.</summary>
    public static async Task<(string Id, bool Created)> ConversationAsync(ConversationStore store, string? id, IEnumerable<ChatMessage> messages, string model,
        CancellationToken cancellationToken)
    {
        if (id is null) return ((await store.CreateAsync(TitleOf(messages), model, ct: cancellationToken).ConfigureAwait(false)).Id, true);
        if (await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is null)
            throw new ApiException(404, $"No conversation with id '{id}'.", "invalid_request_error", "conversation_id", "conversation_not_found");
        return (id, false);
    }

    /// <summary>What every completion runs through, in HTTP and in process: metrics → conversation memory → context guard → model.</summary>
    public static IChatClient Pipeline(IChatClient model, ConversationStore store, MemoryOptions memory, HearthMetrics metrics) =>
        new MeteredChatClient(new ConversationMemoryChatClient(new ContextGuardChatClient(model), store, memory), metrics);

    async Task<IChatClient> ModelClient(string model, TimeSpan? keepAlive, CancellationToken cancellationToken)
    {
        try { return await models.GetChatClientAsync(model, keepAlive, cancellationToken); }
        catch (Exception e) when (e is not OperationCanceledException) { throw ModelError(model, e); }
    }

    /// <summary>Why a model could not be had, as a client should see it.</summary>
    public static ApiException ModelError(string model, Exception e) => e switch
    {
        ApiException api => api,
        ModelNotFoundException r => ApiException.ModelNotFound(model, r.Reason),
        Models.ModelNotFoundException m => ApiException.ModelNotFound(model, m.Message),
        Models.ModelTooLargeException => new ApiException(507, e.Message, "insufficient_memory_error", "model", "model_too_large", e),
        Models.ModelStorageException => new ApiException(507, e.Message, "insufficient_storage_error", "model", "storage_full", e),
        Models.ModelAccessDeniedException => new ApiException(403, e.Message, "permission_error", "model", "model_access_denied", e),
        _ => ApiException.Unavailable($"The model '{model}' could not be loaded: {e.Message}", e),
    };

    /// <summary>A new conversation's title: its first user message, on one line, at most 60 characters.</summary>
    public static string TitleOf(IEnumerable<ChatMessage> messages)
    {
        var text = messages.FirstOrDefault(m => m.Role == ChatRole.User)?.Text;
        if (string.IsNullOrWhiteSpace(text)) return "New conversation";
        var line = string.Join(' ', text.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return line.Length <= 60 ? line : line[..60];
    }
}
