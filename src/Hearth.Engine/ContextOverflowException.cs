namespace Hearth.Engine;

/// <summary>
/// The prompt (plus the tokens asked for) does not fit the context window. Never silently truncated:
/// the service maps this to OpenAI's <c>context_length_exceeded</c>.
/// </summary>
public sealed class ContextOverflowException(int promptTokens, int requestedTokens, int contextWindow)
    : Exception($"This model's context window is {contextWindow} tokens, but the request needs {promptTokens} prompt tokens" +
                (requestedTokens > 0 ? $" plus {requestedTokens} completion tokens." : "."))
{
    public int PromptTokens { get; } = promptTokens;
    public int RequestedTokens { get; } = requestedTokens;
    public int ContextWindow { get; } = contextWindow;
}
