using Hearth.Engine.Tools;
using Microsoft.Extensions.AI;

namespace Hearth.Engine.Chat;

/// <summary>
/// Streamed reply text to Microsoft.Extensions.AI contents: plain <see cref="TextContent"/>, or, when the request
/// offered tools, text split by a <see cref="ToolCallParser"/> into content and one <see cref="FunctionCallContent"/>
/// per complete call (its <see cref="AIContent.RawRepresentation"/> is the <see cref="ToolCall"/>, arguments text as the
/// model wrote them). One per reply.
/// </summary>
internal sealed class ToolCallContents(ToolCallFormat? format)
{
    readonly ToolCallParser? _parser = format is null ? null : new ToolCallParser(format);

    /// <summary>Calls read so far.</summary>
    public int CallCount => _parser?.ToolCalls.Count ?? 0;

    /// <summary>The contents this text makes certain (often none while a call is being written).</summary>
    public List<AIContent> Push(string text)
    {
        if (_parser is null) return text.Length == 0 ? [] : [new TextContent(text)];
        return text.Length == 0 ? [] : Map(_parser.Push(text));
    }

    /// <summary>The last text of the reply, and whatever was held back.</summary>
    public List<AIContent> Finish(string text)
    {
        if (_parser is null) return Push(text);
        var contents = Push(text);
        contents.AddRange(Map(_parser.Finish()));
        return contents;
    }

    List<AIContent> Map(IReadOnlyList<ToolStreamDelta> deltas)
    {
        var contents = new List<AIContent>(deltas.Count);
        foreach (var delta in deltas)
        {
            switch (delta)
            {
                case ContentDelta c:
                    contents.Add(new TextContent(c.Text));
                    break;
                case ToolCallDelta { Id: not null } d: // a call's header; the parser releases calls whole, so it is complete
                    var call = _parser!.ToolCalls[d.Index];
                    var content = call.ToFunctionCallContent();
                    content.RawRepresentation = call;
                    contents.Add(content);
                    break;
            }
        }
        return contents;
    }
}
