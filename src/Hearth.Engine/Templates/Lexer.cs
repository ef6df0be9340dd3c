using System.Globalization;
using System.Text;

namespace Hearth.Engine.Templates;

/// <summary>
/// Splits template text into tokens the way jinja2's lexer does with Hugging Face's settings:
/// trim_blocks (drop the first newline after a block or comment tag), lstrip_blocks (drop spaces before a block
/// or comment tag that starts a line), '-' to strip whitespace and '+' to keep it, and one trailing newline dropped.
/// </summary>
sealed class Lexer
{
    static readonly string[] Operators =
        ["**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "(", ")", "[", "]", "{", "}", ".", ",", ":", "|", "=", "<", ">", ";"];

    readonly string src;
    readonly List<int> lineStarts = [0];
    readonly List<Token> tokens = [];
    readonly bool trimBlocks, lstripBlocks;
    int pos;
    bool lineStarting = true;

    Lexer(string source, bool trimBlocks, bool lstripBlocks)
    {
        // jinja2 treats \r\n, \r and \n alike and drops a single trailing newline (keep_trailing_newline=False).
        src = source.Replace("\r\n", "\n").Replace('\r', '\n');
        if (src.EndsWith('\n')) src = src[..^1];
        for (int i = 0; i < src.Length; i++) if (src[i] == '\n') lineStarts.Add(i + 1);
        this.trimBlocks = trimBlocks;
        this.lstripBlocks = lstripBlocks;
    }

    public static List<Token> Tokenize(string source, bool trimBlocks = true, bool lstripBlocks = true)
    {
        var lexer = new Lexer(source, trimBlocks, lstripBlocks);
        lexer.Run();
        return lexer.tokens;
    }

    void Run()
    {
        while (pos < src.Length)
        {
            int tag = FindTagStart(pos);
            if (tag < 0) { Emit(TokenKind.Data, src[pos..], pos); break; }

            char kind = src[tag + 1];
            char sign = tag + 2 < src.Length && (src[tag + 2] == '-' || src[tag + 2] == '+') ? src[tag + 2] : '\0';
            string text = StripBeforeTag(src[pos..tag], sign, kind);
            if (text.Length > 0) Emit(TokenKind.Data, text, pos);
            pos = tag + 2 + (sign == '\0' ? 0 : 1);

            if (kind == '#') SkipComment(tag);
            else if (kind == '%' && TryRaw(tag)) { }
            else LexTag(kind == '%', tag);
        }
        tokens.Add(new Token(TokenKind.Eof, "", LineOf(src.Length), ColumnOf(src.Length)));
    }

    int FindTagStart(int from)
    {
        for (int i = src.IndexOf('{', from); i >= 0 && i + 1 < src.Length; i = src.IndexOf('{', i + 1))
            if (src[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    /// <summary>Applies '-' (strip all whitespace) or lstrip_blocks (strip the spaces that start the tag's line).</summary>
    string StripBeforeTag(string text, char sign, char kind)
    {
        if (sign == '-') return text.TrimEnd();
        if (sign == '+' || !lstripBlocks || kind == '{') return text;
        int lineStart = text.LastIndexOf('\n') + 1;
        if (lineStart == 0 && !lineStarting) return text;
        if (lineStart == text.Length) return text;
        for (int i = lineStart; i < text.Length; i++) if (!char.IsWhiteSpace(text[i])) return text;
        return text[..lineStart];
    }

    void SkipComment(int tagStart)
    {
        int end = src.IndexOf("#}", pos, StringComparison.Ordinal);
        if (end < 0) throw Error("Missing end of comment tag", tagStart);
        char before = end > pos ? src[end - 1] : '\0';
        pos = end + 2;
        AfterTagEnd(before);
    }

    /// <summary>After a block or comment end: '-' eats all whitespace, '+' nothing, else trim_blocks eats one newline.</summary>
    void AfterTagEnd(char sign)
    {
        if (sign == '-') while (pos < src.Length && char.IsWhiteSpace(src[pos])) pos++;
        else if (sign != '+' && trimBlocks && pos < src.Length && src[pos] == '\n') pos++;
        lineStarting = src[pos - 1] == '\n';
    }

    /// <summary>{% raw %}...{% endraw %}: everything between is data.</summary>
    bool TryRaw(int tagStart)
    {
        int p = SkipSpaces(pos);
        if (!At(p, "raw") || (p + 3 < src.Length && IsNameChar(src[p + 3]))) return false;
        p = SkipSpaces(p + 3);
        int afterBegin;
        if (At(p, "-%}")) afterBegin = SkipWhitespace(p + 3);
        else if (At(p, "%}")) afterBegin = p + 2;
        else return false;

        for (int search = afterBegin; ;)
        {
            int tag = src.IndexOf("{%", search, StringComparison.Ordinal);
            if (tag < 0) throw Error("Missing end of raw directive", tagStart);
            char sign = tag + 2 < src.Length && (src[tag + 2] == '-' || src[tag + 2] == '+') ? src[tag + 2] : '\0';
            int q = SkipSpaces(tag + 2 + (sign == '\0' ? 0 : 1));
            if (At(q, "endraw"))
            {
                q = SkipSpaces(q + 6);
                char endSign = src.ElementAtOrDefault(q);
                int close = endSign is '-' or '+' ? q + 1 : q;
                if (At(close, "%}"))
                {
                    lineStarting = false;
                    string text = StripBeforeTag(src[afterBegin..tag], sign, '%');
                    if (text.Length > 0) Emit(TokenKind.Data, text, afterBegin);
                    pos = close + 2;
                    AfterTagEnd(endSign is '-' or '+' ? endSign : '\0');
                    return true;
                }
            }
            search = tag + 2;
        }
    }

    void LexTag(bool block, int tagStart)
    {
        Emit(block ? TokenKind.BlockBegin : TokenKind.VariableBegin, block ? "{%" : "{{", tagStart);
        var brackets = new Stack<char>();
        while (true)
        {
            pos = SkipWhitespace(pos);
            if (pos >= src.Length)
                throw Error($"unexpected end of template, expected '{Token.DescribeKind(block ? TokenKind.BlockEnd : TokenKind.VariableEnd)}'.", tagStart);
            if (brackets.Count == 0 && TryTagEnd(block)) return;

            char c = src[pos];
            int start = pos;
            if (char.IsAsciiDigit(c)) LexNumber();
            else if (c == '_' || char.IsLetter(c))
            {
                while (pos < src.Length && IsNameChar(src[pos])) pos++;
                Emit(TokenKind.Name, src[start..pos], start);
            }
            else if (c is '\'' or '"') LexString();
            else
            {
                string op = MatchOperator() ?? throw Error($"unexpected char '{c}'", pos);
                if (op is "(" or "[" or "{") brackets.Push(op switch { "(" => ')', "[" => ']', _ => '}' });
                else if (op is ")" or "]" or "}")
                {
                    if (brackets.Count == 0) throw Error($"unexpected '{op}'", pos);
                    char expected = brackets.Pop();
                    if (expected != op[0]) throw Error($"unexpected '{op}', expected '{expected}'", pos);
                }
                pos += op.Length;
                Emit(TokenKind.Operator, op, start);
            }
        }
    }

    /// <summary>The longest operator at pos (two-character ones are listed first), or null.</summary>
    string? MatchOperator()
    {
        foreach (var op in Operators) if (At(pos, op)) return op;
        return null;
    }

    bool TryTagEnd(bool block)
    {
        int start = pos;
        if (block)
        {
            if (At(pos, "+%}") || At(pos, "-%}"))
            {
                char sign = src[pos];
                pos += 3;
                Emit(TokenKind.BlockEnd, "%}", start);
                AfterTagEnd(sign);
                return true;
            }
            if (!At(pos, "%}")) return false;
            pos += 2;
            Emit(TokenKind.BlockEnd, "%}", start);
            AfterTagEnd('\0');
            return true;
        }
        if (At(pos, "-}}"))
        {
            pos = SkipWhitespace(pos + 3);
            Emit(TokenKind.VariableEnd, "}}", start);
        }
        else if (At(pos, "}}"))
        {
            pos += 2;
            Emit(TokenKind.VariableEnd, "}}", start);
        }
        else return false;
        lineStarting = src[pos - 1] == '\n';
        return true;
    }

    void LexNumber()
    {
        int start = pos;
        if (src[pos] == '0' && pos + 1 < src.Length && char.ToLowerInvariant(src[pos + 1]) is 'x' or 'o' or 'b')
        {
            int radix = char.ToLowerInvariant(src[pos + 1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
            pos += 2;
            while (pos < src.Length && (char.IsAsciiHexDigit(src[pos]) || src[pos] == '_')) pos++;
            string literal = src[start..pos];
            try { Emit(TokenKind.Integer, literal, start, Convert.ToInt64(literal[2..].Replace("_", ""), radix)); }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException) { throw Error($"Invalid integer literal {literal}", start); }
            return;
        }
        bool isFloat = false;
        while (pos < src.Length && (char.IsAsciiDigit(src[pos]) || src[pos] == '_')) pos++;
        if (pos + 1 < src.Length && src[pos] == '.' && char.IsAsciiDigit(src[pos + 1]) && (start == 0 || src[start - 1] != '.'))
        {
            isFloat = true;
            pos++;
            while (pos < src.Length && (char.IsAsciiDigit(src[pos]) || src[pos] == '_')) pos++;
        }
        if (pos < src.Length && (src[pos] is 'e' or 'E'))
        {
            int p = pos + 1;
            if (p < src.Length && src[p] is '+' or '-') p++;
            if (p < src.Length && char.IsAsciiDigit(src[p]))
            {
                isFloat = true;
                pos = p;
                while (pos < src.Length && char.IsAsciiDigit(src[pos])) pos++;
            }
        }
        string text = src[start..pos];
        string digits = text.Replace("_", "");
        if (isFloat) Emit(TokenKind.Float, text, start, double.Parse(digits, CultureInfo.InvariantCulture));
        else if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value)) Emit(TokenKind.Integer, text, start, value);
        else throw Error($"Integer literal too large: {text}", start);
    }

    void LexString()
    {
        int start = pos;
        char quote = src[pos++];
        var sb = new StringBuilder();
        while (true)
        {
            if (pos >= src.Length) throw Error("Unterminated string literal", start);
            char c = src[pos++];
            if (c == quote) break;
            if (c != '\\' || pos >= src.Length) { sb.Append(c); continue; }
            char e = src[pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case >= '0' and <= '7':
                    // Octal escape: up to three digits, as in Python.
                    int code = e - '0';
                    for (int k = 0; k < 2 && pos < src.Length && src[pos] is >= '0' and <= '7'; k++) code = code * 8 + (src[pos++] - '0');
                    sb.Append((char)code);
                    break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case '\\': case '\'': case '"': sb.Append(e); break;
                case '\n': break;
                case 'x': sb.Append(ReadHexEscape(2, start)); break;
                case 'u': sb.Append(ReadHexEscape(4, start)); break;
                case 'U': sb.Append(ReadHexEscape(8, start)); break;
                default: sb.Append('\\').Append(e); break;
            }
        }
        Emit(TokenKind.String, src[start..pos], start, sb.ToString());
    }

    string ReadHexEscape(int digits, int stringStart)
    {
        if (pos + digits > src.Length || !int.TryParse(src.AsSpan(pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code)
            || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
            throw Error("Invalid escape in string literal", stringStart);
        pos += digits;
        return char.ConvertFromUtf32(code);
    }

    void Emit(TokenKind kind, string text, int at, object? value = null) =>
        tokens.Add(new Token(kind, text, LineOf(at), ColumnOf(at), value));

    int LineOf(int at)
    {
        int i = lineStarts.BinarySearch(at);
        return (i >= 0 ? i : ~i - 1) + 1;
    }

    int ColumnOf(int at) => at - lineStarts[LineOf(at) - 1] + 1;

    TemplateSyntaxException Error(string message, int at) => new(message, LineOf(at), ColumnOf(at));

    bool At(int p, string s) => p >= 0 && string.CompareOrdinal(src, p, s, 0, s.Length) == 0 && p + s.Length <= src.Length;
    int SkipSpaces(int p) { while (p < src.Length && (src[p] == ' ' || src[p] == '\t' || src[p] == '\n')) p++; return p; }
    int SkipWhitespace(int p) { while (p < src.Length && char.IsWhiteSpace(src[p])) p++; return p; }
    static bool IsNameChar(char c) => c == '_' || char.IsLetterOrDigit(c);
}
