using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Hearth.Engine.Tools;

/// <summary>A complete function call the model made, as OpenAI's <c>tool_calls[i]</c>.</summary>
/// <param name="Id">The call id (<c>call_...</c>), echoed back by the <c>tool</c> message that answers it.</param>
/// <param name="Name">The function name the model wrote.</param>
/// <param name="Arguments">The arguments object as JSON text, exactly as the model wrote it.</param>
public sealed record ToolCall(string Id, string Name, string Arguments)
{
    /// <summary>The call as Microsoft.Extensions.AI content: arguments parsed into a dictionary of <see cref="JsonElement"/> values.</summary>
    public FunctionCallContent ToFunctionCallContent() => FunctionCallContent.CreateFromParsedArguments(
        Arguments, Id, Name, static text => JsonSerializer.Deserialize<Dictionary<string, object?>>(text));
}

/// <summary>One piece of <see cref="ToolCallParser"/> output: <see cref="ContentDelta"/> or <see cref="ToolCallDelta"/>.</summary>
public abstract record ToolStreamDelta;

/// <summary>Plain assistant text, to append to the message content.</summary>
public sealed record ContentDelta(string Text) : ToolStreamDelta;

/// <summary>
/// A fragment of tool call <paramref name="Index"/>, shaped like OpenAI's streamed <c>delta.tool_calls[i]</c>:
/// the first fragment of a call carries <paramref name="Id"/> and <paramref name="Name"/>, later ones only more
/// <paramref name="Arguments"/> text. Concatenating the argument fragments of one index gives <see cref="ToolCall.Arguments"/>.
/// </summary>
public sealed record ToolCallDelta(int Index, string? Id, string? Name, string Arguments) : ToolStreamDelta;

/// <summary>A whole reply split by <see cref="ToolCallParser.Parse"/>: its content and its calls.</summary>
public sealed record ToolCallParseResult(string Content, IReadOnlyList<ToolCall> ToolCalls);
