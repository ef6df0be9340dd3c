using System.Text;

namespace Hearth.Engine.Tools;

/// <summary>
/// Splits a model's reply, fed as decoded text chunks while it is generated, into plain content and tool calls
/// in one <see cref="ToolCallFormat"/>. <see cref="Push"/> each chunk, then <see cref="Finish"/> once; each returns
/// the deltas now certain. <see cref="Content"/> and <see cref="ToolCalls"/> hold the whole result, and are the
/// same however the text was chunked.
/// </summary>
/// <remarks>
/// <para>Text that could still become a tool call (a partial <c>&lt;tool_call&gt;</c>, trailing whitespace before
/// one, a Llama reply that starts with <c>{</c>) is held back until it can be told apart, never lost.</para>
/// <para>A call is released whole, once its closing tag (Hermes) or closing bracket (Llama, Mistral) has arrived
/// and its JSON has been read: as two <see cref="ToolCallDelta"/>s, the header (id, name, empty arguments) and the
/// arguments. Holding it back is what lets a malformed call be given back as content instead of half-streamed.</para>
/// <para>Malformed calls: when the text inside <c>&lt;tool_call&gt;...&lt;/tool_call&gt;</c>, or a reply's leading
/// JSON (Llama, Mistral), is not a call object (a string <c>name</c> and an object <c>arguments</c>/<c>parameters</c>)
/// or an array of them, that text, tags included, is returned as content, unchanged. An unterminated call at the
/// end of the reply is a call if its JSON is complete, else content. A closing tag inside a JSON string does not
/// end a call; so a call whose string never closes runs to the end of the reply (and comes back as content).</para>
/// <para>Whitespace that only separates content from calls (the template's own newlines) is dropped.</para>
/// <para>One parser per reply; not thread-safe.</para>
/// </remarks>
public sealed class ToolCallParser
{
    enum State { Start, Text, Call, AfterCall }

    static readonly IReadOnlyList<ToolStreamDelta> Nothing = [];

    readonly ToolCallFormat format;
    readonly bool hermes;
    readonly Func<string> newId;
    readonly StringBuilder pending = new();
    readonly StringBuilder content = new();
    readonly List<ToolCall> calls = [];
    readonly IReadOnlyList<ToolCall> readOnlyCalls;
    List<ToolStreamDelta>? output;
    State state;
    JsonScanner json;
    int scanned;
    string held = "";
    bool finished;
    bool objectStarted;

    /// <summary>A parser for one reply.</summary>
    /// <param name="format">The model's tool-call format (<see cref="ToolCallFormat.Detect"/>).</param>
    /// <param name="idFactory">Makes call ids; default <see cref="ToolCallFormat.NewCallId"/>. (A Mistral model's own
    /// 9-character ids are kept.)</param>
    public ToolCallParser(ToolCallFormat format, Func<string>? idFactory = null)
    {
        ArgumentNullException.ThrowIfNull(format);
        this.format = format;
        hermes = format.LeadingTag == null;
        newId = idFactory ?? format.NewCallId;
        state = hermes ? State.Text : State.Start;
        readOnlyCalls = calls.AsReadOnly();
    }

    /// <summary>The content released so far (all of it after <see cref="Finish"/>).</summary>
    public string Content => content.ToString();

    /// <summary>The calls released so far (all of them after <see cref="Finish"/>), in order.</summary>
    public IReadOnlyList<ToolCall> ToolCalls => readOnlyCalls;

    /// <summary>Parses a whole reply at once; the same result as pushing it in any chunks and finishing.</summary>
    public static ToolCallParseResult Parse(ToolCallFormat format, string text, Func<string>? idFactory = null)
    {
        var parser = new ToolCallParser(format, idFactory);
        parser.Push(text);
        parser.Finish();
        return new ToolCallParseResult(parser.Content, parser.ToolCalls);
    }

    /// <summary>Feeds the next chunk of generated text; returns the deltas it made certain (often none).</summary>
    /// <exception cref="InvalidOperationException">After <see cref="Finish"/>.</exception>
    public IReadOnlyList<ToolStreamDelta> Push(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (finished) throw new InvalidOperationException("The reply is finished; start a new ToolCallParser.");
        pending.Append(text);
        return Drain(final: false);
    }

    /// <summary>Ends the reply: releases everything still held back. Later calls return nothing.</summary>
    public IReadOnlyList<ToolStreamDelta> Finish()
    {
        if (finished) return Nothing;
        finished = true;
        return Drain(final: true);
    }

    IReadOnlyList<ToolStreamDelta> Drain(bool final)
    {
        output = null;
        while (Step(final)) { }
        return output ?? Nothing;
    }

    /// <summary>One move of the state machine; false when it must wait for more text (or all is done).</summary>
    bool Step(bool final) => state switch
    {
        State.Start => DecideLeadingCall(final),
        State.Text => hermes ? HermesText(final) : PlainText(),
        State.Call => hermes ? HermesCall(final) : LeadingCall(final),
        _ => AfterCall(final),
    };

    // ---- Hermes: <tool_call> ... </tool_call> anywhere in the text ----

    bool HermesText(bool final)
    {
        int tag = IndexOf(pending, ToolCallFormat.OpenTag);
        if (tag >= 0)
        {
            int textEnd = tag;
            while (textEnd > 0 && char.IsWhiteSpace(pending[textEnd - 1])) textEnd--;
            EmitContent(pending.ToString(0, textEnd));
            held = pending.ToString(textEnd, tag - textEnd) + ToolCallFormat.OpenTag;
            pending.Remove(0, tag + ToolCallFormat.OpenTag.Length);
            StartCall();
            return true;
        }
        int keep = final ? 0 : HeldBackLength();
        EmitContent(pending.ToString(0, pending.Length - keep));
        pending.Remove(0, pending.Length - keep);
        return false;
    }

    /// <summary>A trailing partial opening tag, and the whitespace before it, may still turn out to start a call.</summary>
    int HeldBackLength()
    {
        int keep = 0;
        for (int length = Math.Min(ToolCallFormat.OpenTag.Length - 1, pending.Length); length > 0; length--)
        {
            if (EndsWith(pending, ToolCallFormat.OpenTag.AsSpan(0, length))) { keep = length; break; }
        }
        while (keep < pending.Length && char.IsWhiteSpace(pending[pending.Length - keep - 1])) keep++;
        return keep;
    }

    bool HermesCall(bool final)
    {
        string close = ToolCallFormat.CloseTag;
        for (; scanned < pending.Length; scanned++)
        {
            if (!objectStarted && !char.IsWhiteSpace(pending[scanned]))
            {
                // Not JSON after the tag (prose that mentions <tool_call>): give it back now, not at the end.
                if (pending[scanned] != '{') return NotACall();
                objectStarted = true;
            }
            if (!json.InString && pending[scanned] == '<')
            {
                int available = Math.Min(close.Length, pending.Length - scanned);
                if (StartsWithAt(pending, scanned, close.AsSpan(0, available)))
                {
                    if (available < close.Length) break; // a partial closing tag: wait for the rest
                    string inner = pending.ToString(0, scanned);
                    pending.Remove(0, scanned + close.Length);
                    EndCall(inner, inner + close);
                    return true;
                }
            }
            json.Feed(pending[scanned]);
        }
        if (!final) return false;
        string rest = pending.ToString();
        pending.Clear();
        EndCall(rest, rest);
        return true;
    }

    // ---- Llama 3.1/3.2, Mistral: a reply that starts with JSON (after an optional tag) is the call ----

    bool DecideLeadingCall(bool final)
    {
        string tag = format.LeadingTag!;
        int i = 0;
        while (i < pending.Length && char.IsWhiteSpace(pending[i])) i++;
        var rest = pending.ToString(i, pending.Length - i);
        if (held.Length == 0 && rest.StartsWith(tag, StringComparison.Ordinal))
        {
            held = pending.ToString(0, i) + tag;
            pending.Remove(0, i + tag.Length);
            return true;
        }
        // "[TOOL" may be Mistral's tag or its JSON array: wait until it is one or the other.
        bool undecided = rest.Length == 0 || (held.Length == 0 && tag.StartsWith(rest, StringComparison.Ordinal));
        if (undecided && !final) return false;
        if (rest.Length > 0 && rest[0] == format.Opening)
        {
            held += pending.ToString(0, i);
            pending.Remove(0, i);
            StartCall();
            return true;
        }
        GiveBackHeld();
        state = State.Text;
        return true;
    }

    bool LeadingCall(bool final)
    {
        for (; scanned < pending.Length; scanned++)
        {
            if (!json.Feed(pending[scanned])) continue;
            string call = pending.ToString(0, scanned + 1);
            pending.Remove(0, scanned + 1);
            EndCall(call, call);
            return true;
        }
        if (!final) return false;
        string rest = pending.ToString();
        pending.Clear();
        EndCall(rest, rest);
        return true;
    }

    bool PlainText()
    {
        EmitContent(pending.ToString());
        pending.Clear();
        return false;
    }

    // ---- both ----

    void StartCall()
    {
        state = State.Call;
        json = default;
        scanned = 0;
        objectStarted = false;
    }

    /// <summary>The text since the tag cannot be a call: it is content, and scanning resumes as text after it.</summary>
    bool NotACall()
    {
        EmitContent(held + pending.ToString(0, scanned));
        pending.Remove(0, scanned);
        held = "";
        state = State.Text;
        return true;
    }

    /// <summary>A call's text is complete: a call if its JSON reads as one, else content exactly as written.</summary>
    void EndCall(string callJson, string callText)
    {
        if (ToolCallJson.TryRead(callJson, out var read))
        {
            foreach (var call in read)
            {
                int index = calls.Count;
                string id = KeepsModelId(call.Id) ? call.Id! : newId();
                calls.Add(new ToolCall(id, call.Name, call.Arguments));
                Emit(new ToolCallDelta(index, id, call.Name, ""));
                Emit(new ToolCallDelta(index, null, null, call.Arguments));
            }
            held = "";
            state = State.AfterCall;
        }
        else
        {
            EmitContent(held + callText);
            held = "";
            state = State.Text;
        }
    }

    /// <summary>Mistral writes its own ids (9 letters and digits, which its template checks): keep them unless repeated.</summary>
    bool KeepsModelId(string? id) => format == ToolCallFormat.Mistral && id is { Length: 9 } && id.All(char.IsAsciiLetterOrDigit)
        && !calls.Any(c => c.Id == id);

    /// <summary>Whitespace (and Llama's <c>;</c>) after a call is dropped; what follows is another call or content.</summary>
    bool AfterCall(bool final)
    {
        int i = 0;
        while (i < pending.Length && (char.IsWhiteSpace(pending[i]) || (!hermes && pending[i] == ';'))) i++;
        if (i == pending.Length)
        {
            if (final) pending.Clear();
            return false;
        }
        bool another = !hermes && pending[i] == format.Opening;
        held = another ? pending.ToString(0, i) : "";
        pending.Remove(0, i);
        if (another) StartCall();
        else state = State.Text;
        return true;
    }

    void GiveBackHeld()
    {
        EmitContent(held);
        held = "";
    }

    void EmitContent(string text)
    {
        if (text.Length == 0) return;
        content.Append(text);
        output ??= [];
        if (output.Count > 0 && output[^1] is ContentDelta previous) output[^1] = new ContentDelta(previous.Text + text);
        else output.Add(new ContentDelta(text));
    }

    void Emit(ToolStreamDelta delta) => (output ??= []).Add(delta);

    static int IndexOf(StringBuilder text, string value)
    {
        for (int i = 0; i + value.Length <= text.Length; i++)
        {
            if (StartsWithAt(text, i, value)) return i;
        }
        return -1;
    }

    static bool EndsWith(StringBuilder text, ReadOnlySpan<char> value) => StartsWithAt(text, text.Length - value.Length, value);

    static bool StartsWithAt(StringBuilder text, int start, ReadOnlySpan<char> value)
    {
        if (start < 0 || start + value.Length > text.Length) return false;
        for (int j = 0; j < value.Length; j++)
        {
            if (text[start + j] != value[j]) return false;
        }
        return true;
    }
}
