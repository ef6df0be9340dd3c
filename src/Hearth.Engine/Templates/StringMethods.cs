using System.Globalization;
using System.Text;

namespace Hearth.Engine.Templates;

/// <summary>Python's str methods that templates call ("a".strip(), .split(), .startswith(), .format() ...).</summary>
static class StringMethods
{
    public static bool TryBind(string s, string name, out NativeFunction method)
    {
        Func<CallArguments, object?>? body = name switch
        {
            "strip" => a => Strip(s, a.Check(name, "chars").Get(0, "chars"), true, true),
            "lstrip" => a => Strip(s, a.Check(name, "chars").Get(0, "chars"), true, false),
            "rstrip" => a => Strip(s, a.Check(name, "chars").Get(0, "chars"), false, true),
            "split" => a => Split(s, a.Check(name, "sep", "maxsplit").Get(0, "sep"), MaxSplit(a)),
            "rsplit" => a => RSplit(s, a.Check(name, "sep", "maxsplit").Get(0, "sep"), MaxSplit(a)),
            "splitlines" => a => SplitLines(s, PyOps.IsTrue(a.Check(name, "keepends").Get(0, "keepends", false))),
            "startswith" => a => Affix(s, a.Check(name, "prefix").Get(0, "prefix"), name, (x, p) => x.StartsWith(p, StringComparison.Ordinal)),
            "endswith" => a => Affix(s, a.Check(name, "suffix").Get(0, "suffix"), name, (x, p) => x.EndsWith(p, StringComparison.Ordinal)),
            "upper" => a => s.ToUpperInvariant(),
            "lower" => a => s.ToLowerInvariant(),
            "casefold" => a => s.ToLowerInvariant(),
            "swapcase" => a => string.Concat(s.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c))),
            "title" => a => Title(s),
            "capitalize" => a => Capitalize(s),
            "replace" => a => Replace(s, Str(a.Get(0, "old"), name), Str(a.Get(1, "new"), name), a.Get(2, "count", -1L)),
            "find" => a => (long)IndexOf(s, Str(a.Get(0, "sub"), name), last: false),
            "rfind" => a => (long)IndexOf(s, Str(a.Get(0, "sub"), name), last: true),
            "index" => a => IndexOrThrow(IndexOf(s, Str(a.Get(0, "sub"), name), last: false)),
            "rindex" => a => IndexOrThrow(IndexOf(s, Str(a.Get(0, "sub"), name), last: true)),
            "count" => a => (long)Count(s, Str(a.Get(0, "sub"), name)),
            "join" => a => Join(s, a.Get(0, "iterable")),
            "format" => a => Format(s, a),
            "isdigit" or "isnumeric" or "isdecimal" => a => s.Length > 0 && s.All(char.IsDigit),
            "isalpha" => a => s.Length > 0 && s.All(char.IsLetter),
            "isalnum" => a => s.Length > 0 && s.All(char.IsLetterOrDigit),
            "isspace" => a => s.Length > 0 && s.All(char.IsWhiteSpace),
            "isupper" => a => s.Any(char.IsLetter) && !s.Any(char.IsLower),
            "islower" => a => s.Any(char.IsLetter) && !s.Any(char.IsUpper),
            "removeprefix" => a => Str(a.Get(0, "prefix"), name) is var p && s.StartsWith(p, StringComparison.Ordinal) ? s[p.Length..] : s,
            "removesuffix" => a => Str(a.Get(0, "suffix"), name) is var p && p.Length > 0 && s.EndsWith(p, StringComparison.Ordinal) ? s[..^p.Length] : s,
            "zfill" => a => ZFill(s, (int)Int(a.Get(0, "width"), name)),
            "center" => a => Pad(s, (int)Int(a.Get(0, "width"), name), Str(a.Get(1, "fillchar", " "), name), '^'),
            "ljust" => a => Pad(s, (int)Int(a.Get(0, "width"), name), Str(a.Get(1, "fillchar", " "), name), '<'),
            "rjust" => a => Pad(s, (int)Int(a.Get(0, "width"), name), Str(a.Get(1, "fillchar", " "), name), '>'),
            "partition" => a => Partition(s, Str(a.Get(0, "sep"), name), last: false),
            "rpartition" => a => Partition(s, Str(a.Get(0, "sep"), name), last: true),
            _ => null,
        };
        method = body == null ? null! : new NativeFunction($"str.{name}", body);
        return body != null;
    }

    static string Str(object? value, string method) => value as string
        ?? throw new TemplateRenderException($"{method}() argument must be str, not {PyFormat.TypeName(value)}", "TypeError");

    static long Int(object? value, string method) => PyOps.IsInteger(value) ? PyOps.ToLong(value)
        : throw new TemplateRenderException($"{method}() argument must be int, not {PyFormat.TypeName(value)}", "TypeError");

    static long MaxSplit(CallArguments a) => a.Get(1, "maxsplit", -1L) is var m && PyOps.IsInteger(m) ? PyOps.ToLong(m)
        : throw new TemplateRenderException("maxsplit must be an integer", "TypeError");

    public static string Strip(string s, object? chars, bool left, bool right)
    {
        if (chars is null or Undefined) return left && right ? s.Trim() : left ? s.TrimStart() : s.TrimEnd();
        var set = Str(chars, "strip").ToCharArray();
        return left && right ? s.Trim(set) : left ? s.TrimStart(set) : s.TrimEnd(set);
    }

    static List<object?> Split(string s, object? sep, long maxSplit)
    {
        var parts = new List<object?>();
        if (sep == null)
        {
            int i = 0;
            while (true)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (maxSplit >= 0 && parts.Count == maxSplit) { parts.Add(s[i..].TrimEnd()); break; }
                int start = i;
                while (i < s.Length && !char.IsWhiteSpace(s[i])) i++;
                parts.Add(s[start..i]);
            }
            return parts;
        }
        string separator = Str(sep, "split");
        if (separator.Length == 0) throw new TemplateRenderException("empty separator", "ValueError");
        int from = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            int at = s.IndexOf(separator, from, StringComparison.Ordinal);
            if (at < 0) break;
            parts.Add(s[from..at]);
            from = at + separator.Length;
        }
        parts.Add(s[from..]);
        return parts;
    }

    static List<object?> RSplit(string s, object? sep, long maxSplit)
    {
        if (maxSplit < 0) return Split(s, sep, maxSplit);
        if (sep == null)
        {
            var words = new List<object?>();
            int i = s.Length;
            while (true)
            {
                while (i > 0 && char.IsWhiteSpace(s[i - 1])) i--;
                if (i == 0) break;
                if (words.Count == maxSplit) { words.Insert(0, s[..i].TrimStart()); break; }
                int wordEnd = i;
                while (i > 0 && !char.IsWhiteSpace(s[i - 1])) i--;
                words.Insert(0, s[i..wordEnd]);
            }
            return words;
        }
        string separator = Str(sep, "rsplit");
        if (separator.Length == 0) throw new TemplateRenderException("empty separator", "ValueError");
        var parts = new List<object?>();
        int end = s.Length;
        while (parts.Count < maxSplit)
        {
            if (end < separator.Length) break;
            int at = s.LastIndexOf(separator, end - 1, end, StringComparison.Ordinal);
            if (at < 0) break;
            parts.Insert(0, s[(at + separator.Length)..end]);
            end = at;
        }
        parts.Insert(0, s[..end]);
        return parts;
    }

    static List<object?> SplitLines(string s, bool keepEnds)
    {
        var lines = new List<object?>();
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] is not ('\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')) continue;
            int end = i;
            if (s[i] == '\r' && i + 1 < s.Length && s[i + 1] == '\n') i++;
            lines.Add(keepEnds ? s[start..(i + 1)] : s[start..end]);
            start = i + 1;
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    static bool Affix(string s, object? affix, string method, Func<string, string, bool> test) => affix switch
    {
        string p => test(s, p),
        object?[] tuple => tuple.Any(p => test(s, Str(p, method))),
        _ => throw new TemplateRenderException($"{method} first arg must be str or a tuple of str, not {PyFormat.TypeName(affix)}", "TypeError"),
    };

    /// <summary>Python's str.title(): a letter after a non-letter starts a word ("they're" becomes "They'Re").</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (char c in s)
        {
            sb.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsLetter(c);
        }
        return sb.ToString();
    }

    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    public static string Replace(string s, string old, string replacement, object? count)
    {
        if (replacement.Length > old.Length) PyOps.CheckLength(s.Length + (long)(s.Length + 1) * (replacement.Length - old.Length));
        long max = PyOps.IsInteger(count) ? PyOps.ToLong(count) : -1;
        if (max < 0) return old.Length == 0 ? InsertBetweenAll(s, replacement) : s.Replace(old, replacement, StringComparison.Ordinal);
        var sb = new StringBuilder();
        int from = 0;
        for (long n = 0; n < max; n++)
        {
            int at = old.Length == 0 ? (from <= s.Length ? from : -1) : s.IndexOf(old, from, StringComparison.Ordinal);
            if (at < 0) break;
            sb.Append(s, from, at - from).Append(replacement);
            if (old.Length == 0) { if (at < s.Length) sb.Append(s[at]); from = at + 1; }
            else from = at + old.Length;
        }
        if (from <= s.Length) sb.Append(s, from, s.Length - from);
        return sb.ToString();
    }

    static string InsertBetweenAll(string s, string insert)
    {
        var sb = new StringBuilder(insert);
        foreach (char c in s) sb.Append(c).Append(insert);
        return sb.ToString();
    }

    static int IndexOf(string s, string sub, bool last)
    {
        int i = last ? s.LastIndexOf(sub, StringComparison.Ordinal) : s.IndexOf(sub, StringComparison.Ordinal);
        return i < 0 ? -1 : PyOps.CodePointCount(s[..i]);
    }

    static long IndexOrThrow(int index) => index >= 0 ? index : throw new TemplateRenderException("substring not found", "ValueError");

    static int Count(string s, string sub)
    {
        if (sub.Length == 0) return PyOps.CodePointCount(s) + 1;
        int n = 0;
        for (int at = s.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = s.IndexOf(sub, at + sub.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    static string Join(string separator, object? iterable)
    {
        var parts = PyOps.Iterate(iterable).Select((item, i) => item as string
            ?? throw new TemplateRenderException($"sequence item {i}: expected str instance, {PyFormat.TypeName(item)} found", "TypeError"));
        return string.Join(separator, parts);
    }

    static string ZFill(string s, int width)
    {
        PyOps.CheckLength(width);
        if (s.Length >= width) return s;
        int signLength = s.Length > 0 && s[0] is '+' or '-' ? 1 : 0;
        return s[..signLength] + new string('0', width - s.Length) + s[signLength..];
    }

    static string Pad(string s, int width, string fill, char align)
    {
        PyOps.CheckLength(width);
        if (fill.Length != 1) throw new TemplateRenderException("The fill character must be exactly one character long", "TypeError");
        int total = width - s.Length;
        if (total <= 0) return s;
        int left = align switch { '<' => 0, '>' => total, _ => total / 2 + (total & width & 1) };
        return new string(fill[0], left) + s + new string(fill[0], total - left);
    }

    static object?[] Partition(string s, string sep, bool last)
    {
        if (sep.Length == 0) throw new TemplateRenderException("empty separator", "ValueError");
        int at = last ? s.LastIndexOf(sep, StringComparison.Ordinal) : s.IndexOf(sep, StringComparison.Ordinal);
        if (at < 0) return last ? ["", "", s] : [s, "", ""];
        return [s[..at], sep, s[(at + sep.Length)..]];
    }

    /// <summary>str.format: {} {0} {name} {name.attr} {name[key]} with an optional :spec; {{ and }} are literal braces.</summary>
    public static string Format(string format, CallArguments args)
    {
        var sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c == '}')
            {
                if (i + 1 < format.Length && format[i + 1] == '}') { sb.Append('}'); i++; continue; }
                throw new TemplateRenderException("Single '}' encountered in format string", "ValueError");
            }
            if (c != '{') { sb.Append(c); continue; }
            if (i + 1 < format.Length && format[i + 1] == '{') { sb.Append('{'); i++; continue; }
            int close = format.IndexOf('}', i + 1);
            if (close < 0) throw new TemplateRenderException("Single '{' encountered in format string", "ValueError");
            string field = format[(i + 1)..close];
            i = close;
            string spec = "";
            int colon = field.IndexOf(':');
            if (colon >= 0) { spec = field[(colon + 1)..]; field = field[..colon]; }
            int bang = field.IndexOf('!');
            char conversion = '\0';
            if (bang >= 0) { conversion = field.ElementAtOrDefault(bang + 1); field = field[..bang]; }

            int nameEnd = field.IndexOfAny(['.', '[']);
            string head = nameEnd < 0 ? field : field[..nameEnd];
            object? value;
            if (head.Length == 0) value = Positional(args, auto++);
            else if (int.TryParse(head, NumberStyles.None, CultureInfo.InvariantCulture, out int index)) value = Positional(args, index);
            else
            {
                var named = args.Named.FirstOrDefault(a => a.Name == head);
                if (named.Name == null) throw new TemplateRenderException($"'{head}'", "KeyError");
                value = named.Value;
            }
            value = FollowFieldPath(value, nameEnd < 0 ? "" : field[nameEnd..]);
            if (conversion == 'r') value = PyFormat.Repr(value);
            else if (conversion == 's') value = PyFormat.Str(value);
            sb.Append(FormatSpec.Apply(value, spec));
        }
        return sb.ToString();
    }

    static object? Positional(CallArguments args, int index) => index < args.Positional.Count
        ? args.Positional[index]
        : throw new TemplateRenderException($"Replacement index {index} out of range for positional args tuple", "IndexError");

    static object? FollowFieldPath(object? value, string path)
    {
        int i = 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                int end = path.IndexOfAny(['.', '['], i + 1);
                if (end < 0) end = path.Length;
                value = Access.GetAttribute(value, path[(i + 1)..end]);
                i = end;
            }
            else
            {
                int end = path.IndexOf(']', i);
                if (end < 0) throw new TemplateRenderException("Missing ']' in format string", "ValueError");
                string key = path[(i + 1)..end];
                value = Access.GetItem(value, long.TryParse(key, out long n) ? n : key);
                i = end + 1;
            }
        }
        return value;
    }

    /// <summary>printf-style "%s and %d" % args.</summary>
    public static string PercentFormat(string format, object? args)
    {
        var values = args is object?[] tuple ? tuple : [args];
        var sb = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%') { sb.Append(format[i]); continue; }
            int start = ++i;
            while (i < format.Length && "-+ #0123456789.".Contains(format[i])) i++;
            if (i >= format.Length) throw new TemplateRenderException("incomplete format", "ValueError");
            char type = format[i];
            if (type == '%') { sb.Append('%'); continue; }
            string flags = format[start..i];
            if (next >= values.Length) throw new TemplateRenderException("not enough arguments for format string", "TypeError");
            object? value = values[next++];
            string spec = flags.StartsWith('-') ? "<" + flags[1..] : flags.Length > 0 && char.IsAsciiDigit(flags[0]) && flags[0] != '0' ? ">" + flags : flags;
            sb.Append(type switch
            {
                's' => FormatSpec.Apply(PyFormat.Str(value), spec),
                'r' => FormatSpec.Apply(PyFormat.Repr(value), spec),
                'd' or 'i' or 'u' => FormatSpec.Apply(PyOps.IsNumber(value) ? (long)Math.Truncate(PyOps.ToDouble(value)) : throw NumberRequired(value), spec + "d"),
                'f' or 'F' or 'e' or 'E' or 'g' or 'G' or 'x' or 'X' or 'o' => FormatSpec.Apply(PyOps.IsNumber(value) ? value : throw NumberRequired(value), spec + type),
                _ => throw new TemplateRenderException($"unsupported format character '{type}'", "ValueError"),
            });
        }
        if (next < values.Length && args is object?[]) throw new TemplateRenderException("not all arguments converted during string formatting", "TypeError");
        return sb.ToString();
    }

    static TemplateRenderException NumberRequired(object? value) =>
        new($"a real number is required, not {PyFormat.TypeName(value)}", "TypeError");
}
