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
    public async Task<ChatCompletion> StartAsync(ReadOnlyMemory<byte> body, string? conversationHeader, CancellationToken cancellationToken)
    {
        var request = ChatRequestParser.Parse(body);
        if (conversationHeader is not null && request.ConversationId is not null && conversationHeader != request.ConversationId)
            throw ApiException.InvalidValue("conversation_id", $"the body names conversation '{request.ConversationId}' but the {ConversationHeader} header names '{conversationHeader}'.");
        if (request.MemoryWindow is int window) request.Options.AdditionalProperties![MemoryOptions.WindowKey] = window;

        var model = await ModelClient(request.Model, cancellationToken);

        var conversationId = conversationHeader ?? request.ConversationId;
        var created = false;
        if (conversationId is not null)
        {
            if (await store.GetAsync(conversationId, cancellationToken) is null) throw new ApiException(404, $"No conversation with id '{conversationId}'.", "invalid_request_error", "conversation_id", "conversation_not_found");
        }
        else
        {
            conversationId = (await store.CreateAsync(TitleOf(request.Messages), request.Model, ct: cancellationToken)).Id;
            created = true;
        }
        request.Options.ConversationId = conversationId;

        IChatClient pipeline = new MeteredChatClient(new ConversationMemoryChatClient(new ContextGuardChatClient(model), store, memory), metrics);
        return new ChatCompletion(request, pipeline, conversationId, metrics,
            onFailedBeforeStart: created ? () => store.DeleteAsync(conversationId) : null);
    }

    async Task<IChatClient> ModelClient(string model, CancellationToken cancellationToken)
    {
        try { return await models.GetChatClientAsync(model, cancellationToken); }
        catch (ModelNotFoundException) { throw ApiException.ModelNotFound(model); }
        catch (OperationCanceledException) { throw; }
        catch (ApiException) { throw; }
        catch (Exception e) { throw ApiException.Unavailable($"The model '{model}' could not be loaded: {e.Message}", e); }
    }

    /// <summary>A new conversation's title: its first user message, on one line, at most 60 characters.</summary>
    public static string TitleOf(IEnumerable<ChatMessage> messages)
    {
        var text = messages.FirstOrDefault(m => m.Role == ChatRole.User)?.Text;
        if (string.IsNullOrWhiteSpace(text)) return "New conversation";
        var line = string.Join(' ', text.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return line.Length <= 60 ? line : line[..60];
    }
}
