using Microsoft.Extensions.AI;

namespace Hearth.Core.OpenAI;

/// <summary>A validated <c>POST /v1/chat/completions</c> body, already translated to Microsoft.Extensions.AI types.</summary>
public sealed class ChatCompletionRequest
{
    public required string Model { get; init; }
    public required IReadOnlyList<ChatMessage> Messages { get; init; }
    /// <summary>Sampling, stop and tool settings for the chat client (logit_bias, logprobs ride in AdditionalProperties).</summary>
    public required ChatOptions Options { get; init; }
    public bool Stream { get; init; }
    /// <summary><c>stream_options.include_usage</c>: one more chunk with usage and no choices before [DONE].</summary>
    public bool IncludeUsage { get; init; }
    public bool Logprobs { get; init; }
    /// <summary>Hearth extension: the conversation this completion belongs to.</summary>
    public string? ConversationId { get; init; }
    /// <summary>Hearth extension: token budget for replayed history (overrides the server's).</summary>
    public int? MemoryWindow { get; init; }
    /// <summary>Ollama extension: how long the model stays loaded after this request (null: the server's default).</summary>
    public TimeSpan? KeepAlive { get; init; }
}
