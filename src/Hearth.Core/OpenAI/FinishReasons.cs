using Microsoft.Extensions.AI;

namespace Hearth.Core.OpenAI;

public static class FinishReasons
{
    public static string? ToWire(ChatFinishReason? reason) =>
        reason is null ? null
        : reason == ChatFinishReason.Stop ? "stop"
        : reason == ChatFinishReason.Length ? "length"
        : reason == ChatFinishReason.ToolCalls ? "tool_calls"
        : reason == ChatFinishReason.ContentFilter ? "content_filter"
        : reason.Value.Value;
}
