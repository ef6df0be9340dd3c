namespace Hearth.Core.Memory;

/// <summary>A stored conversation (logical schema shared with the browser's IndexedDB store: protocol/README.md).</summary>
/// <param name="CreatedAt">Unix milliseconds.</param>
/// <param name="UpdatedAt">Unix milliseconds; conversations list newest first by this.</param>
/// <param name="Metadata">A JSON object, as text.</param>
public sealed record Conversation(string Id, string Title, string? Model, long CreatedAt, long UpdatedAt, string Metadata);

/// <summary>One stored message. <see cref="Seq"/> orders a conversation's messages (0, 1, 2, ...).</summary>
public sealed record StoredMessage(
    string Id, string ConversationId, int Seq, string Role, string Content,
    string? Name = null, string? ToolCalls = null, string? ToolCallId = null,
    string? Model = null, string? Provider = null, int? PromptTokens = null, int? CompletionTokens = null,
    string? FinishReason = null, bool Interrupted = false, string? Timings = null, long CreatedAt = 0);

/// <summary>A message to append; the store assigns id, seq and createdAt.</summary>
public sealed record NewMessage(
    string Role, string Content, string? Name = null, string? ToolCalls = null, string? ToolCallId = null,
    string? Model = null, string? Provider = null, int? PromptTokens = null, int? CompletionTokens = null,
    string? FinishReason = null, bool Interrupted = false, string? Timings = null);
