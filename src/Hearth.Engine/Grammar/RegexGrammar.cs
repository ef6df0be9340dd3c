using System.Globalization;
using System.Text;

namespace Hearth.Engine.Grammar;

/// <summary>
/// Compiles the common subset of ECMA-262 regular expressions used in JSON schema "pattern" (and the string formats)
/// into grammar for the contents of a JSON string: literals, escapes (\d \w \s \D \W \S, \uXXXX), classes with ranges
/// and negation, '.', groups, alternation, and the quantifiers * + ? {n} {n,} {n,m}. The pattern is taken as anchored
/// at both ends: text matching the whole pattern also contains a match, so every output is valid. The grammar may
/// produce a subset of what the pattern matches (negated classes and '.' produce printable characters only);
/// never more. Lookarounds, backreferences and anchors inside the pattern are refused.
/// </summary>
internal sealed class RegexGrammar
{
    const int MaxRepeat = 1000;
    const int MaxNonAsciiMembers = 512;

    readonly GrammarBuilder _g;
    readonly string _pattern;
    readonly string _keyword;
    int _pos;

    RegexGrammar(GrammarBuilder g, string pattern, string keyword)
    {
        _g = g;
        _pattern = pattern;
        _keyword = keyword;
    }

    /// <summary>The grammar sequence for string contents matching <paramref name="pattern"/> (without the quotes).</summary>
    public static int[] Compile(GrammarBuilder g, string pattern, string keyword = "pattern")
    {
        var body = pattern;
        if (body.StartsWith('^')) body = body[1..];
        if (body.EndsWith('$') && !body.EndsWith("\\$")) body = body[..^1];
        var parser = new RegexGrammar(g, body, keyword);
        var result = parser.Alternation();
        if (parser._pos < body.Length) throw parser.Fail($"unexpected '{body[parser._pos]}' at {parser._pos}");
        return result;
    }

    int[] Alternation()
    {
        var alternatives = new List<int[]> { Concatenation() };
        while (Peek('|'))
        {
            _pos++;
            alternatives.Add(Concatenation());
        }
        return alternatives.Count == 1 ? alternatives[0] : [_g.Rule([.. alternatives])];
    }

    int[] Concatenation()
    {
        var parts = new List<int>();
        while (_pos < _pattern.Length && _pattern[_pos] is not ('|' or ')'))
            parts.AddRange(Quantified(Atom()));
        return [.. parts];
    }

    int[] Quantified(int[] atom)
    {
        if (_pos >= _pattern.Length) return atom;
        int min, max;
        switch (_pattern[_pos])
        {
            case '*': _pos++; (min, max) = (0, -1); break;
            case '+': _pos++; (min, max) = (1, -1); break;
            case '?': _pos++; (min, max) = (0, 1); break;
            case '{' when TryBraces(out min, out max): break;
            default: return atom;
        }
        if (Peek('?')) _pos++; // lazy: the same set of strings
        else if (Peek('+')) throw Fail("possessive quantifiers");
        if (Peek('*') || Peek('+')) throw Fail("nested quantifiers");
        // wrap the atom in a rule so repetition never duplicates a nullable piece inside a star
        int[] unit = atom.Length == 1 ? atom : [_g.Rule(atom)];
        return _g.Repeat(unit, min, max < 0 ? null : max);
    }

    bool TryBraces(out int min, out int max)
    {
        min = max = 0;
        var close = _pattern.IndexOf('}', _pos);
        if (close < 0) return false;
        var inner = _pattern[(_pos + 1)..close];
        var comma = inner.IndexOf(',');
        var lo = comma < 0 ? inner : inner[..comma];
        var hi = comma < 0 ? inner : inner[(comma + 1)..];
        if (!int.TryParse(lo, NumberStyles.None, CultureInfo.InvariantCulture, out min)) return false;
        if (hi.Length == 0) max = -1;
        else if (!int.TryParse(hi, NumberStyles.None, CultureInfo.InvariantCulture, out max)) return false;
        if (max >= 0 && max < min) throw Fail($"{{{inner}}} has max below min");
        if (min > MaxRepeat || max > MaxRepeat) throw Fail($"repetition counts above {MaxRepeat}");
        _pos = close + 1;
        return true;
    }

    int[] Atom()
    {
        var c = _pattern[_pos++];
        switch (c)
        {
            case '(':
                if (Peek('?'))
                {
                    if (_pos + 1 < _pattern.Length && _pattern[_pos + 1] == ':') _pos += 2;
                    else throw Fail("lookarounds and named or special groups");
                }
                var inner = Alternation();
                if (!Peek(')')) throw Fail("an unclosed group");
                _pos++;
                return [_g.Rule(inner)];
            case '[': return Set(ParseClass());
            case '.': return Set(CharSet.Dot());
            case '\\': return Set(ParseEscape(inClass: false));
            case '^' or '$': throw Fail("anchors inside the pattern");
            case '*' or '+' or '?': throw Fail($"a quantifier '{c}' with nothing before it");
            default:
                if (char.IsHighSurrogate(c) && _pos < _pattern.Length) return Set(CharSet.Of(char.ConvertToUtf32(c, _pattern[_pos++])));
                return Set(CharSet.Of(c));
        }
    }

    CharSet ParseClass()
    {
        var negated = Peek('^');
        if (negated) _pos++;
        var set = new CharSet();
        var first = true;
        while (true)
        {
            if (_pos >= _pattern.Length) throw Fail("an unclosed character class");
            var c = _pattern[_pos];
            if (c == ']' && !first) { _pos++; break; }
            first = false;
            _pos++;
            CharSet lo;
            if (c == '\\') lo = ParseEscape(inClass: true);
            else if (c == '[') throw Fail("nested character classes");
            else lo = CharSet.Of(c);
            if (Peek('-') && _pos + 1 < _pattern.Length && _pattern[_pos + 1] != ']' && lo.Single is { } from)
            {
                _pos++;
                var hc = _pattern[_pos++];
                var hi = hc == '\\' ? ParseEscape(inClass: true) : CharSet.Of(hc);
                if (hi.Single is not { } to || to < from) throw Fail("a bad range in a character class");
                set.AddRange(from, to);
            }
            else set.Add(lo);
        }
        return negated ? set.Negate() : set;
    }

    CharSet ParseEscape(bool inClass)
    {
        if (_pos >= _pattern.Length) throw Fail("a trailing backslash");
        var c = _pattern[_pos++];
        switch (c)
        {
            case 'd': return CharSet.Ranges(('0', '9'));
            case 'D': return CharSet.Ranges(('0', '9')).Negate();
            case 'w': return CharSet.Ranges(('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_'));
            case 'W': return CharSet.Ranges(('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')).Negate();
            case 's': return CharSet.Ranges((' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r'));
            case 'S': return CharSet.Ranges((' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')).Negate();
            case 'n': return CharSet.Of('\n');
            case 't': return CharSet.Of('\t');
            case 'r': return CharSet.Of('\r');
            case 'u' when _pos + 4 <= _pattern.Length && int.TryParse(_pattern.AsSpan(_pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var u):
                _pos += 4;
                return CharSet.Of(u);
            case 'x' when _pos + 2 <= _pattern.Length && int.TryParse(_pattern.AsSpan(_pos, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var x):
                _pos += 2;
                return CharSet.Of(x);
            case 'b' when inClass: return CharSet.Of('\b');
            default:
                if (char.IsAsciiLetterOrDigit(c)) throw Fail($"the escape \\{c}");
                return CharSet.Of(c); // an escaped punctuation character stands for itself
        }
    }

    // One character from the set, as it appears inside a JSON string: quote, backslash and controls escaped.
    int[] Set(CharSet set)
    {
        Span<ulong> bits = stackalloc ulong[4];
        var plain = false;
        var alternatives = new List<int[]>();
        for (var c = 0; c < 128; c++)
        {
            if (!set.Contains(c)) continue;
            switch (c)
            {
                case '"': alternatives.Add(_g.Literal("\\\"")); break;
                case '\\': alternatives.Add(_g.Literal("\\\\")); break;
                case '\n': alternatives.Add(_g.Literal("\\n")); break;
                case '\t': alternatives.Add(_g.Literal("\\t")); break;
                case '\r': alternatives.Add(_g.Literal("\\r")); break;
                case '\b': alternatives.Add(_g.Literal("\\b")); break;
                case < 0x20: break; // other controls: left out (a subset stays valid)
                default: bits[c >> 6] |= 1UL << (c & 63); plain = true; break;
            }
        }
        if (plain) alternatives.Insert(0, [_g.Class(bits)]);
        if (set.AnyNonAscii) alternatives.Add([JsonGrammar.MultiByte(_g)]);
        else
        {
            var count = 0;
            foreach (var (lo, hi) in set.NonAscii)
            {
                count += hi - lo + 1;
                if (count > MaxNonAsciiMembers) throw Fail($"character classes with more than {MaxNonAsciiMembers} non-ASCII characters");
                for (var cp = lo; cp <= hi; cp++)
                    if (cp is < 0xD800 or > 0xDFFF) alternatives.Add(_g.Literal(char.ConvertFromUtf32(cp)));
            }
        }
        if (alternatives.Count == 0) throw Fail("a character class that matches nothing printable");
        return alternatives.Count == 1 && alternatives[0].Length == 1 ? alternatives[0] : [_g.Rule([.. alternatives])];
    }

    bool Peek(char c) => _pos < _pattern.Length && _pattern[_pos] == c;

    UnsupportedSchemaException Fail(string what) =>
        new(_keyword, $"the regular expression /{_pattern}/ uses {what}, outside the supported subset.");

    /// <summary>A set of code points: ASCII as flags, the rest as ranges or "any non-ASCII character".</summary>
    sealed class CharSet
    {
        readonly bool[] _ascii = new bool[128];
        public readonly List<(int Lo, int Hi)> NonAscii = [];
        public bool AnyNonAscii;

        public static CharSet Of(int cp)
        {
            var s = new CharSet();
            s.AddRange(cp, cp);
            return s;
        }

        public static CharSet Ranges(params (char Lo, char Hi)[] ranges)
        {
            var s = new CharSet();
            foreach (var (lo, hi) in ranges) s.AddRange(lo, hi);
            return s;
        }

        public static CharSet Dot()
        {
            var s = new CharSet { AnyNonAscii = true };
            for (var c = 0x20; c < 0x7F; c++) s._ascii[c] = true;
            return s;
        }

        public int? Single
        {
            get
            {
                if (AnyNonAscii) return null;
                int? found = null;
                for (var c = 0; c < 128; c++)
                    if (_ascii[c]) { if (found is not null) return null; found = c; }
                foreach (var (lo, hi) in NonAscii)
                {
                    if (found is not null || lo != hi) return null;
                    found = lo;
                }
                return found;
            }
        }

        public bool Contains(int c) => _ascii[c];

        public void AddRange(int lo, int hi)
        {
            for (var c = lo; c <= Math.Min(hi, 127); c++) _ascii[c] = true;
            if (hi >= 128) NonAscii.Add((Math.Max(lo, 128), hi));
        }

        public void Add(CharSet other)
        {
            for (var c = 0; c < 128; c++) _ascii[c] |= other._ascii[c];
            NonAscii.AddRange(other.NonAscii);
            AnyNonAscii |= other.AnyNonAscii;
        }

        // Printable ASCII not in the set, and any non-ASCII character: a subset of the true complement.
        public CharSet Negate()
        {
            var s = new CharSet { AnyNonAscii = NonAscii.Count == 0 && !AnyNonAscii };
            for (var c = 0x20; c < 0x7F; c++) s._ascii[c] = !_ascii[c];
            return s;
        }
    }
}
