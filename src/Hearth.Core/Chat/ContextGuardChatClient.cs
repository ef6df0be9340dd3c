using Hearth.Engine;
using Hearth.Engine.Chat;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Chat;

/// <summary>
/// Refuses a prompt that cannot fit the model's context window before any work starts, counted exactly with
/// the model's own prompt counter. Never truncates: the caller gets <see cref="ContextOverflowException"/>.
/// </summary>
public sealed class ContextGuardChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        messages = Check(messages, options);
        return base.GetResponseAsync(messages, options, cancellationToken);
    }

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        messages = Check(messages, options);
        return base.GetStreamingResponseAsync(messages, options, cancellationToken);
    }

    IEnumerable<ChatMessage> Check(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var info = this.GetService<ChatModelInfo>();
        if (info is null) return messages;
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var prompt = info.CountPromptTokensWithOptions?.Invoke(list, options) ?? info.CountPromptTokens(list); // tool definitions count too
        var requested = options?.MaxOutputTokens ?? 0;
        // At least one token must be left to generate.
        if (prompt + Math.Max(requested, 1) > info.ContextWindow) throw new ContextOverflowException(prompt, requested, info.ContextWindow);
        return list;
    }
}
