using Hearth.Engine.Tools;

namespace Hearth.Engine.Tests.Tools;

/// <summary>Test helpers: feed a reply in chunks, and put streamed deltas back together the way an OpenAI client does.</summary>
static class ToolStream
{
    /// <summary>Call ids call_0, call_1, ... per parser, so results from different chunkings compare equal.</summary>
    public static Func<string> CountingIds()
    {
        int next = 0;
        return () => $"call_{next++}";
    }

    public static ToolCallParseResult ParseWhole(ToolCallFormat format, string text) => ToolCallParser.Parse(format, text, CountingIds());

    /// <summary>Pushes the chunks, finishes, checks the parser's own totals against its deltas, returns the assembled result.</summary>
    public static ToolCallParseResult Stream(ToolCallFormat format, IEnumerable<string> chunks)
    {
        var parser = new ToolCallParser(format, CountingIds());
        var deltas = new List<ToolStreamDelta>();
        foreach (var chunk in chunks) deltas.AddRange(parser.Push(chunk));
        deltas.AddRange(parser.Finish());
        var assembled = Assemble(deltas);
        Assert.Equal(parser.Content, assembled.Content);
        Assert.Equal(parser.ToolCalls, assembled.ToolCalls);
        return assembled;
    }

    /// <summary>Concatenates content, and per index the argument fragments; checks the OpenAI delta shape on the way.</summary>
    public static ToolCallParseResult Assemble(IEnumerable<ToolStreamDelta> deltas)
    {
        var content = new System.Text.StringBuilder();
        var calls = new List<(string Id, string Name, System.Text.StringBuilder Arguments)>();
        foreach (var delta in deltas)
        {
            switch (delta)
            {
                case ContentDelta text:
                    Assert.NotEmpty(text.Text);
                    content.Append(text.Text);
                    break;
                case ToolCallDelta call when call.Index == calls.Count:
                    Assert.False(string.IsNullOrEmpty(call.Id));
                    Assert.False(string.IsNullOrEmpty(call.Name));
                    calls.Add((call.Id!, call.Name!, new System.Text.StringBuilder(call.Arguments)));
                    break;
                case ToolCallDelta call:
                    Assert.Equal(calls.Count - 1, call.Index);
                    Assert.Null(call.Id);
                    Assert.Null(call.Name);
                    calls[call.Index].Arguments.Append(call.Arguments);
                    break;
            }
        }
        return new ToolCallParseResult(content.ToString(), calls.Select(c => new ToolCall(c.Id, c.Name, c.Arguments.ToString())).ToList());
    }

    /// <summary>Every way to cut the text in two, every character alone, and seeded random chunkings.</summary>
    public static IEnumerable<string[]> Chunkings(string text, int randomCount = 40)
    {
        yield return [text];
        for (int cut = 1; cut < text.Length; cut++)
        {
            if (char.IsLowSurrogate(text[cut])) continue;
            yield return [text[..cut], text[cut..]];
        }
        yield return SplitAt(text, Enumerable.Range(1, Math.Max(0, text.Length - 1)));
        var random = new Random(text.Length);
        for (int i = 0; i < randomCount; i++)
        {
            var cuts = Enumerable.Range(1, Math.Max(0, text.Length - 1)).Where(_ => random.Next(5) == 0);
            yield return SplitAt(text, cuts);
        }
    }

    static string[] SplitAt(string text, IEnumerable<int> cuts)
    {
        var pieces = new List<string>();
        int start = 0;
        foreach (int cut in cuts)
        {
            if (char.IsLowSurrogate(text[cut])) continue;
            pieces.Add(text[start..cut]);
            start = cut;
        }
        pieces.Add(text[start..]);
        return [.. pieces];
    }

    /// <summary>The whole-reply result must come back from every chunking, delta by delta.</summary>
    public static ToolCallParseResult AssertChunkingInvariant(ToolCallFormat format, string text)
    {
        var whole = ParseWhole(format, text);
        foreach (var chunks in Chunkings(text))
        {
            var streamed = Stream(format, chunks);
            Assert.Equal(whole.Content, streamed.Content);
            Assert.Equal(whole.ToolCalls, streamed.ToolCalls);
        }
        return whole;
    }
}
