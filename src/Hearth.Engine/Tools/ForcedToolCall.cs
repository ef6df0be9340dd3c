namespace Hearth.Engine.Tools;

/// <summary>
/// What a constrained decoder emits to force one call of a function in a model's own tool-call format:
/// the literal <see cref="Prefix"/>, then a JSON object valid against <see cref="ArgumentsSchema"/>, then the literal
/// <see cref="Suffix"/>. The three together are exactly what the chat template renders for that call, so the
/// <see cref="ToolCallParser"/> reads the result back as the call.
/// </summary>
/// <param name="Prefix">Text before the arguments, e.g. <c>&lt;tool_call&gt;\n{"name": "f", "arguments": </c>.</param>
/// <param name="ArgumentsSchema">JSON schema (text) the arguments object must satisfy: the function's <c>parameters</c>.</param>
/// <param name="Suffix">Text after the arguments, e.g. <c>}\n&lt;/tool_call&gt;</c>.</param>
public sealed record ForcedToolCall(string Prefix, string ArgumentsSchema, string Suffix);
