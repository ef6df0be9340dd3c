namespace Hearth.Engine.Chat;

/// <summary>
/// What a chat client knows about the model behind it; returned by <c>IChatClient.GetService(typeof(ChatModelInfo))</c>.
/// </summary>
/// <param name="ModelId">The model's id as callers name it.</param>
/// <param name="ContextWindow">The context window as actually loaded, in tokens.</param>
/// <param name="CountPromptTokens">Exact token count of the prompt these messages render to (chat template + tokenizer).</param>
public sealed record ChatModelInfo(
    string ModelId,
    int ContextWindow,
    Func<IEnumerable<Microsoft.Extensions.AI.ChatMessage>, int> CountPromptTokens)
{
    /// <summary>As <see cref="CountPromptTokens"/>, with what the options add to the prompt (tool definitions, instructions); null when unknown.</summary>
    public Func<IEnumerable<Microsoft.Extensions.AI.ChatMessage>, Microsoft.Extensions.AI.ChatOptions?, int>? CountPromptTokensWithOptions { get; init; }
}
