using System.Text;
using System.Text.RegularExpressions;

namespace Hearth.Engine.Tokenization;

/// <summary>
/// Splits text into the words BPE merges run inside, the way llama.cpp's <c>unicode_regex_split</c> does:
/// each expression of the pre-tokenizer in turn splits every piece the previous one produced, and text
/// between matches stays a piece of its own. The GPT-2 and Llama 3 expressions use hand-written matchers
/// (as llama.cpp does); the others run as .NET regexes over a "collapsed" text in which every non-ASCII
/// codepoint is replaced by one character standing for its Unicode category, exactly like llama.cpp's
/// std::regex fallback, so both agree on every codepoint.
/// </summary>
sealed class PreTokenizer
{
    const string Gpt2Expression = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)";
    const string Llama3Expression = @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    const string Qwen2Expression = @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    readonly Func<int[], string?, List<int>, List<int>>[] _steps;
    readonly bool _needsCollapsed;

    public string Name { get; }

    PreTokenizer(string name, params string[] expressions)
    {
        Name = name;
        _steps = new Func<int[], string?, List<int>, List<int>>[expressions.Length];
        for (int i = 0; i < expressions.Length; i++)
        {
            var expr = expressions[i];
            if (expr == Gpt2Expression) _steps[i] = (cpts, _, pieces) => SplitGpt2(cpts, pieces);
            else if (expr == Llama3Expression) _steps[i] = (cpts, _, pieces) => SplitLlama3(cpts, pieces);
            else
            {
                var regex = new Regex(CollapseExpression(expr), RegexOptions.CultureInvariant | RegexOptions.Compiled);
                _steps[i] = (_, collapsed, pieces) => SplitRegex(regex, collapsed!, pieces);
                _needsCollapsed = true;
            }
        }
    }

    /// <summary>The pre-tokenizer llama.cpp uses for <c>tokenizer.ggml.pre</c>, or null when it is not supported here.</summary>
    public static PreTokenizer? ForName(string pre) => pre switch
    {
        "default" => new("default", @"[\p{P}\$\+<=>\^~\|]+", Gpt2Expression, @"\p{N}+", "[0-9][0-9][0-9]"),
        "llama3" or "llama-v3" or "llama-bpe" or "falcon3" or "falcon-h1" or "pixtral" or "midm-2.0" or "lfm2"
            or "dbrx" or "smaug-bpe" => new("llama3", Llama3Expression),
        "gpt-2" or "phi-2" or "jina-es" or "jina-de" or "gigachat" or "jina-v2-es" or "jina-v2-de" or "a.x-4.0"
            or "mellum" or "modern-bert" or "exaone4" or "mpt" or "olmo" or "jais" or "trillion" or "granite-docling"
            or "jina-v1-en" or "jina-v2-code" or "roberta-bpe" => new("gpt-2", Gpt2Expression),
        "qwen2" or "deepseek-r1-qwen" or "kormo" or "f2llmv2" or "megrez" or "stablelm2" or "hunyuan" or "solar-open"
            => new("qwen2", Qwen2Expression),
        "smollm" or "starcoder" or "refact" or "command-r" or "codeshell" or "exaone" or "minerva-7b" or "mellum2"
            => new("smollm", @"\p{N}", Gpt2Expression),
        _ => null,
    };

    /// <summary>Word boundaries of <paramref name="cpts"/>, as lengths in codepoints that add up to its length.</summary>
    public List<int> Split(int[] cpts)
    {
        var pieces = new List<int> { cpts.Length };
        if (cpts.Length == 0) return pieces;
        var collapsed = _needsCollapsed ? Collapse(cpts) : null;
        foreach (var step in _steps) pieces = step(cpts, collapsed, pieces);
        return pieces;
    }

    // ---- hand-written matchers (unicode.cpp: unicode_regex_split_custom_gpt2 / _llama3) ----

    /// <summary>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</summary>
    static List<int> SplitGpt2(int[] cpts, List<int> pieces)
    {
        var words = new List<int>(pieces.Count * 4);
        int start = 0;
        foreach (var length in pieces)
        {
            var s = new Scanner(cpts, start, start + length, words);
            start += length;
            for (int pos = s.Begin; pos < s.End;)
            {
                int cpt = s.Cpt(pos);
                var flags = s.Flags(pos);

                // 's|'t|'re|'ve|'m|'ll|'d
                if (cpt == '\'' && pos + 1 < s.End)
                {
                    int next = s.Cpt(pos + 1);
                    if (next is 's' or 't' or 'm' or 'd') { pos += s.Add(pos + 2); continue; }
                    if (pos + 2 < s.End)
                    {
                        int nextNext = s.Cpt(pos + 2);
                        if ((next == 'r' && nextNext == 'e') || (next == 'v' && nextNext == 'e') || (next == 'l' && nextNext == 'l'))
                        {
                            pos += s.Add(pos + 3);
                            continue;
                        }
                    }
                }

                var flags2 = cpt == ' ' ? s.Flags(pos + 1) : flags;
                // ' ?\p{L}+'
                if (Has(flags2, CodepointFlags.Letter))
                {
                    if (cpt == ' ') pos++;
                    while (Has(flags2, CodepointFlags.Letter)) flags2 = s.Flags(++pos);
                    s.Add(pos);
                    continue;
                }
                // ' ?\p{N}+'
                if (Has(flags2, CodepointFlags.Number))
                {
                    if (cpt == ' ') pos++;
                    while (Has(flags2, CodepointFlags.Number)) flags2 = s.Flags(++pos);
                    s.Add(pos);
                    continue;
                }
                // ' ?[^\s\p{L}\p{N}]+'
                if (IsOther(flags2))
                {
                    if (cpt == ' ') pos++;
                    while (IsOther(flags2)) flags2 = s.Flags(++pos);
                    s.Add(pos);
                    continue;
                }

                int spaces = 0;
                while (Has(s.Flags(pos + spaces), CodepointFlags.Whitespace)) spaces++;
                // \s+(?!\S)
                if (spaces > 1 && pos + spaces < s.End) { pos += spaces - 1; s.Add(pos); continue; }
                // \s+
                if (spaces > 0) { pos += spaces; s.Add(pos); continue; }
                // no match: the codepoint is a piece of its own
                s.Add(++pos);
            }
        }
        return words;
    }

    /// <summary>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</summary>
    static List<int> SplitLlama3(int[] cpts, List<int> pieces)
    {
        var words = new List<int>(pieces.Count * 4);
        int start = 0;
        foreach (var length in pieces)
        {
            var s = new Scanner(cpts, start, start + length, words);
            start += length;
            for (int pos = s.Begin; pos < s.End;)
            {
                int cpt = s.Cpt(pos);
                var flags = s.Flags(pos);

                // (?i:'s|'t|'re|'ve|'m|'ll|'d)
                if (cpt == '\'' && pos + 1 < s.End)
                {
                    int next = AsciiLower(s.Cpt(pos + 1));
                    if (next is 's' or 't' or 'm' or 'd') { pos += s.Add(pos + 2); continue; }
                    if (pos + 2 < s.End)
                    {
                        int nextNext = AsciiLower(s.Cpt(pos + 2));
                        if ((next == 'r' && nextNext == 'e') || (next == 'v' && nextNext == 'e') || (next == 'l' && nextNext == 'l'))
                        {
                            pos += s.Add(pos + 3);
                            continue;
                        }
                    }
                }

                // [^\r\n\p{L}\p{N}]?\p{L}+
                if (!(cpt == '\r' || cpt == '\n' || Has(flags, CodepointFlags.Number)))
                {
                    if (Has(flags, CodepointFlags.Letter) || Has(s.Flags(pos + 1), CodepointFlags.Letter))
                    {
                        pos++;
                        while (Has(s.Flags(pos), CodepointFlags.Letter)) pos++;
                        s.Add(pos);
                        continue;
                    }
                }

                // \p{N}{1,3}
                if (Has(flags, CodepointFlags.Number))
                {
                    int first = pos;
                    while (Has(s.Flags(pos), CodepointFlags.Number))
                    {
                        if (++pos - first >= 3) { s.Add(pos); first = pos; }
                    }
                    s.Add(pos);
                    continue;
                }

                // ' ?[^\s\p{L}\p{N}]+[\r\n]*' (llama.cpp tests the current codepoint's flags for "inside the text")
                var flags2 = cpt == ' ' ? s.Flags(pos + 1) : flags;
                if (!Has(flags2, CodepointFlags.Whitespace | CodepointFlags.Letter | CodepointFlags.Number) && flags != CodepointFlags.None)
                {
                    if (cpt == ' ') pos++;
                    while (IsOther(flags2)) flags2 = s.Flags(++pos);
                    while (s.Cpt(pos) is '\r' or '\n') pos++;
                    s.Add(pos);
                    continue;
                }

                int spaces = 0, lastNewlineEnd = 0;
                while (Has(s.Flags(pos + spaces), CodepointFlags.Whitespace))
                {
                    if (s.Cpt(pos + spaces) is '\r' or '\n') lastNewlineEnd = pos + spaces + 1;
                    spaces++;
                }
                // \s*[\r\n]+
                if (lastNewlineEnd > 0) { pos = lastNewlineEnd; s.Add(pos); continue; }
                // \s+(?!\S)
                if (spaces > 1 && pos + spaces < s.End) { pos += spaces - 1; s.Add(pos); continue; }
                // \s+
                if (spaces > 0) { pos += spaces; s.Add(pos); continue; }
                s.Add(++pos);
            }
        }
        return words;
    }

    static bool Has(CodepointFlags flags, CodepointFlags any) => (flags & any) != 0;

    /// <summary>[^\s\p{L}\p{N}] and inside the text.</summary>
    static bool IsOther(CodepointFlags flags) =>
        flags != CodepointFlags.None && !Has(flags, CodepointFlags.Whitespace | CodepointFlags.Letter | CodepointFlags.Number);

    static int AsciiLower(int c) => c is >= 'A' and <= 'Z' ? c + 32 : c;

    /// <summary>One piece of text being cut into words; positions outside it read as "nothing".</summary>
    ref struct Scanner(int[] cpts, int begin, int end, List<int> words)
    {
        readonly int[] _cpts = cpts;
        readonly List<int> _words = words;
        int _prevEnd = begin;
        public readonly int Begin = begin;
        public readonly int End = end;

        public readonly int Cpt(int pos) => pos >= Begin && pos < End ? _cpts[pos] : -1;
        public readonly CodepointFlags Flags(int pos) => pos >= Begin && pos < End ? Codepoints.Flags(_cpts[pos]) : CodepointFlags.None;

        /// <summary>Ends the current word at <paramref name="end"/>; returns its length.</summary>
        public int Add(int end)
        {
            int length = end - _prevEnd;
            if (length > 0) _words.Add(length);
            _prevEnd = end;
            return length;
        }
    }

    // ---- regex fallback over collapsed text (unicode.cpp: unicode_regex_split) ----

    const char CollapsedWhitespace = '\u000B';
    const char CollapsedOther = '\u00D0';

    static char CategoryChar(CodepointFlags category) => category switch
    {
        CodepointFlags.Number => '\u00D1',
        CodepointFlags.Letter => '\u00D2',
        CodepointFlags.Punctuation => '\u00D3',
        CodepointFlags.AccentMark => '\u00D4',
        CodepointFlags.Symbol => '\u00D5',
        _ => CollapsedOther,
    };

    /// <summary>One character per codepoint: ASCII as is, anything else its category's stand-in.</summary>
    static string Collapse(int[] cpts)
    {
        return string.Create(cpts.Length, cpts, static (span, cpts) =>
        {
            for (int i = 0; i < cpts.Length; i++)
            {
                int c = cpts[i];
                if (c < 128) { span[i] = (char)c; continue; }
                var flags = Codepoints.Flags(c);
                span[i] = Has(flags, CodepointFlags.Whitespace) ? CollapsedWhitespace : CategoryChar(flags & ~CodepointFlags.Whitespace);
            }
        });
    }

    /// <summary>Rewrites \p{X} into classes over the collapsed alphabet (ASCII members plus the stand-in).</summary>
    static string CollapseExpression(string expr)
    {
        var members = new Dictionary<string, string>
        {
            [@"\p{N}"] = @"\u00D10-9",
            [@"\p{L}"] = @"\u00D2A-Za-z",
            [@"\p{P}"] = @"\u00D3!-#%-*,-/:-;?-@\[-\]_\{\}",
            [@"\p{M}"] = @"\u00D4",
            [@"\p{S}"] = @"\u00D5\$\+<->\^`\|",
        };
        var sb = new StringBuilder();
        bool inside = false;
        for (int i = 0; i < expr.Length; i++)
        {
            if (expr[i] == '[' && (i == 0 || expr[i - 1] != '\\')) { sb.Append('['); inside = true; continue; }
            if (inside && expr[i] == ']' && expr[i - 1] != '\\') { sb.Append(']'); inside = false; continue; }
            if (expr[i] == '\\' && i + 4 < expr.Length && expr[i + 1] == 'p' && expr[i + 2] == '{' && expr[i + 4] == '}'
                && members.TryGetValue(expr.Substring(i, 5), out var set))
            {
                sb.Append(inside ? set : "[" + set + "]");
                i += 4;
                continue;
            }
            sb.Append(expr[i]);
        }
        return sb.ToString();
    }

    static List<int> SplitRegex(Regex regex, string collapsed, List<int> pieces)
    {
        var words = new List<int>(pieces.Count * 4);
        int start = 0;
        foreach (var length in pieces)
        {
            // Match on the piece alone so lookaheads see its end as the end of the text, like std::regex_iterator.
            var piece = collapsed.Substring(start, length);
            int consumed = 0;
            for (var m = regex.Match(piece); m.Success; m = m.NextMatch())
            {
                if (m.Length == 0) continue;
                if (m.Index > consumed) words.Add(m.Index - consumed);
                words.Add(m.Length);
                consumed = m.Index + m.Length;
            }
            if (consumed < length) words.Add(length - consumed);
            start += length;
        }
        return words;
    }
}
