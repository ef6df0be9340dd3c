using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Hearth.Engine.Templates;

/// <summary>The jinja2 filters chat templates use (`value | name(args)`), with jinja2 3.1's argument names and quirks.</summary>
static partial class Filters
{
    public static bool Exists(string name) => Names.Contains(name);

    static readonly HashSet<string> Names =
    [
        "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
        "forceescape", "format", "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min",
        "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum",
        "title", "tojson", "trim", "truncate", "unique", "upper", "wordcount", "pprint", "striptags",
    ];

    public static object? Apply(string name, object? value, CallArguments a)
    {
        switch (name)
        {
            case "abs":
                return value switch
                {
                    long l => (object)Math.Abs(l),
                    bool b => b ? 1L : 0L,
                    double d => Math.Abs(d),
                    Undefined u => throw u.Fail(),
                    _ => throw new TemplateRenderException($"bad operand type for abs(): '{PyFormat.TypeName(value)}'", "TypeError"),
                };
            case "attr": return Access.GetAttribute(value, Text(a.Get(0, "name")));
            case "batch": return Batch(value, a);
            case "capitalize": return StringMethods.Capitalize(PyFormat.Str(value));
            case "center":
                string centered = PyFormat.Str(value);
                int width = (int)PyOps.CheckLength(Integer(a.Get(0, "width", 80L)));
                int pad = Math.Max(0, width - centered.Length);
                int left = pad / 2 + (pad & width & 1);
                return new string(' ', left) + centered + new string(' ', pad - left);
            case "count": case "length": return PyOps.Length(value);
            case "d": case "default":
                var fallback = a.Check(name, "default_value", "boolean").Get(0, "default_value", "");
                return value is Undefined || (PyOps.IsTrue(a.Get(1, "boolean", false)) && !PyOps.IsTrue(value)) ? fallback : value;
            case "dictsort": return DictSort(value, a);
            case "e": case "escape": case "forceescape": return HtmlEscape(PyFormat.Str(value));
            case "first":
                foreach (var item in PyOps.Iterate(value)) return item;
                return new Undefined("No first item, sequence was empty.");
            case "last":
                var all = PyOps.ToList(value);
                return all.Count > 0 ? all[^1] : new Undefined("No last item, sequence was empty.");
            case "float": return ToFloat(value, a.Get(0, "default", 0.0));
            case "format":
                if (a.Positional.Count > 0 && a.Named.Count > 0) throw new TemplateRenderException("can't handle positional and keyword arguments at the same time", "FilterArgumentError");
                if (a.Named.Count > 0)
                {
                    var mapping = new PyDict();
                    foreach (var (k, v) in a.Named) mapping[k] = v;
                    return StringMethods.PercentFormat(PyFormat.Str(value), mapping);
                }
                return StringMethods.PercentFormat(PyFormat.Str(value), a.Positional.ToArray());
            case "indent": return Indent(PyFormat.Str(value), a.Check(name, "width", "first", "blank"));
            case "int": return ToInt(value, a.Get(0, "default", 0L), a.Get(1, "base", 10L));
            case "items":
                if (value is Undefined) return new List<object?>();
                if (value is not PyDict dict) throw new TemplateRenderException("Can only get item pairs from a mapping.", "TypeError");
                return dict.Select(kv => (object?)new object?[] { kv.Key, kv.Value }).ToList();
            case "join":
                var separator = PyFormat.Str(a.Get(0, "d", ""));
                var attribute = a.Get(1, "attribute");
                var items = PyOps.Iterate(value);
                if (attribute != null) items = items.Select(AttributeGetter(attribute, null));
                var joined = new StringBuilder();
                bool first = true;
                foreach (var item in items)
                {
                    if (!first) joined.Append(separator);
                    first = false;
                    joined.Append(PyFormat.Str(item));
                    PyOps.CheckLength(joined.Length);
                }
                return joined.ToString();
            case "list": return PyOps.ToList(value);
            case "lower": return PyFormat.Str(value).ToLowerInvariant();
            case "upper": return PyFormat.Str(value).ToUpperInvariant();
            case "title": return JinjaTitle(PyFormat.Str(value));
            case "map": return PyOps.Iterate(value).Select(MapFunction(a)).ToList();
            case "max": case "min": return MinMax(value, a, name == "max");
            case "pprint": return PyFormat.Repr(value);
            case "select": case "reject": return SelectOrReject(value, a, name == "select", lookupAttribute: false);
            case "selectattr": case "rejectattr": return SelectOrReject(value, a, name == "selectattr", lookupAttribute: true);
            case "replace":
                return StringMethods.Replace(PyFormat.Str(value), PyFormat.Str(a.Get(0, "old")), PyFormat.Str(a.Get(1, "new")), a.Get(2, "count"));
            case "reverse":
                if (value is string s) return string.Concat(PyOps.CodePoints(s).Reverse());
                var reversed = PyOps.ToList(value);
                reversed.Reverse();
                return reversed;
            case "round": return Round(value, a);
            case "safe": return value is Undefined ? "" : value;
            case "sort": return Sort(value, a);
            case "string": return PyFormat.Str(value);
            case "striptags": return Regex.Replace(Regex.Replace(PyFormat.Str(value), "<[^>]*>", ""), @"\s+", " ").Trim();
            case "sum":
                object? total = a.Get(1, "start", 0L);
                var sumAttribute = a.Get(0, "attribute");
                foreach (var item in PyOps.Iterate(value))
                    total = PyOps.Binary("+", total, sumAttribute != null ? AttributeGetter(sumAttribute, null)(item) : item);
                return total;
            case "tojson": return ToJson(value, a.Check(name, "indent", "ensure_ascii", "separators", "sort_keys"));
            case "trim": return StringMethods.Strip(PyFormat.Str(value), a.Get(0, "chars"), true, true);
            case "truncate": return Truncate(PyFormat.Str(value), a);
            case "unique": return Unique(value, a);
            case "wordcount": return (long)WordRegex().Count(PyFormat.Str(value));
            default: throw new TemplateRenderException($"No filter named '{name}'.", "TemplateAssertionError");
        }
    }

    static string Text(object? value) => value as string ?? throw new TemplateRenderException($"expected a string, got {PyFormat.TypeName(value)}", "TypeError");

    static long Integer(object? value) => PyOps.IsInteger(value) ? PyOps.ToLong(value)
        : throw new TemplateRenderException($"'{PyFormat.TypeName(value)}' object cannot be interpreted as an integer", "TypeError");

    static string ToJson(object? value, CallArguments a)
    {
        var indentArg = a.Get(0, "indent");
        string? indent = indentArg switch
        {
            null or Undefined => null,
            string s => s,
            _ when PyOps.IsInteger(indentArg) => new string(' ', (int)Math.Clamp(PyOps.ToLong(indentArg), 0, 1000)),
            _ => throw new TemplateRenderException("indent must be an int or a string", "TypeError"),
        };
        string item = indent == null ? ", " : ",", key = ": ";
        if (a.Get(2, "separators") is IList<object?> { Count: 2 } separators)
        {
            item = Text(separators[0]);
            key = Text(separators[1]);
        }
        return PyJson.Dumps(value, new PyJson.Options(indent, item, key, PyOps.IsTrue(a.Get(3, "sort_keys", false)), PyOps.IsTrue(a.Get(1, "ensure_ascii", false))));
    }

    static string Indent(string s, CallArguments a)
    {
        var widthArg = a.Get(0, "width", 4L);
        string indention = widthArg as string ?? new string(' ', (int)Math.Clamp(Integer(widthArg), 0, 1000));
        bool first = PyOps.IsTrue(a.Get(1, "first", false)), blank = PyOps.IsTrue(a.Get(2, "blank", false));
        var lines = SplitLines(s + "\n");
        string result;
        if (blank) result = string.Join("\n" + indention, lines);
        else
        {
            result = lines[0];
            if (lines.Count > 1) result += "\n" + string.Join("\n", lines.Skip(1).Select(line => line.Length > 0 ? indention + line : line));
        }
        return first ? indention + result : result;
    }

    static List<string> SplitLines(string s)
    {
        var lines = new List<string>();
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] is not ('\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')) continue;
            lines.Add(s[start..i]);
            if (s[i] == '\r' && i + 1 < s.Length && s[i + 1] == '\n') i++;
            start = i + 1;
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    static object? ToInt(object? value, object? fallback, object? baseArg)
    {
        switch (value)
        {
            case long or bool: return PyOps.ToLong(value);
            case double d: return double.IsFinite(d) ? (long)Math.Truncate(d) : fallback;
            case string s:
                string t = s.Trim().Replace("_", "");
                int numberBase = (int)Integer(baseArg);
                try
                {
                    if (numberBase == 10 && long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
                    if (numberBase != 10 && t.Length > 0)
                    {
                        bool negative = t.StartsWith('-');
                        string digits = t.TrimStart('+', '-');
                        if (digits.Length > 2 && digits[0] == '0' && char.ToLowerInvariant(digits[1]) is 'x' or 'o' or 'b') digits = digits[2..];
                        long parsed = Convert.ToInt64(digits, numberBase);
                        return negative ? -parsed : parsed;
                    }
                }
                catch (Exception e) when (e is FormatException or ArgumentException or OverflowException) { }
                // jinja2's quirk: "42.23"|int gives 42.
                return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && double.IsFinite(f) ? (long)Math.Truncate(f) : fallback;
            default: return fallback;
        }
    }

    static object? ToFloat(object? value, object? fallback) => value switch
    {
        double d => d,
        long or bool => PyOps.ToDouble(value),
        string s => s.Trim().ToLowerInvariant() switch
        {
            "nan" or "+nan" or "-nan" => double.NaN,
            "inf" or "+inf" or "infinity" or "+infinity" => double.PositiveInfinity,
            "-inf" or "-infinity" => double.NegativeInfinity,
            var t => double.TryParse(t.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out double f) ? f : fallback,
        },
        _ => fallback,
    };

    static object? Round(object? value, CallArguments a)
    {
        if (value is Undefined u) throw u.Fail();
        if (!PyOps.IsNumber(value)) throw new TemplateRenderException($"type {PyFormat.TypeName(value)} doesn't define __round__ method", "TypeError");
        long precision = Integer(a.Get(0, "precision", 0L));
        string method = PyFormat.Str(a.Get(1, "method", "common"));
        double x = PyOps.ToDouble(value);
        double scale = Math.Pow(10, precision);
        return method switch
        {
            // Python's round() rounds half to even; on ints with precision >= 0 it returns the int unchanged.
            "common" when PyOps.IsInteger(value) && precision >= 0 => (object)PyOps.ToLong(value),
            "common" => precision is >= 0 and <= 15 ? Math.Round(x, (int)precision, MidpointRounding.ToEven) : Math.Round(x * scale, MidpointRounding.ToEven) / scale,
            "ceil" => Math.Ceiling(x * scale) / scale,
            "floor" => Math.Floor(x * scale) / scale,
            _ => throw new TemplateRenderException("method must be common, ceil or floor", "FilterArgumentError"),
        };
    }

    static string Truncate(string s, CallArguments a)
    {
        int length = (int)Integer(a.Get(0, "length", 255L));
        bool killWords = PyOps.IsTrue(a.Get(1, "killwords", false));
        string end = PyFormat.Str(a.Get(2, "end", "..."));
        int leeway = (int)Integer(a.Get(3, "leeway", 5L));
        if (s.Length <= length + leeway) return s;
        if (killWords) return s[..Math.Max(0, length - end.Length)] + end;
        string cut = s[..Math.Max(0, length - end.Length)];
        int space = cut.LastIndexOf(' ');
        return (space >= 0 ? cut[..space] : cut) + end;
    }

    /// <summary>jinja2's title filter: words start after spaces, '-', and opening brackets (unlike str.title()).</summary>
    static string JinjaTitle(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var item in TitleSplitRegex().Split(s))
            if (item.Length > 0) sb.Append(char.ToUpperInvariant(item[0])).Append(item[1..].ToLowerInvariant());
        return sb.ToString();
    }

    static string HtmlEscape(string s) =>
        s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&#34;").Replace("'", "&#39;");

    /// <summary>jinja2's make_attrgetter: "a.b.0" looks up each part as an item (then attribute); missing gives default.</summary>
    public static Func<object?, object?> AttributeGetter(object? attribute, object? fallback, bool lowercase = false)
    {
        object?[] parts = attribute is string path
            ? path.Split('.').Select(p => long.TryParse(p, out long n) ? (object?)n : p).ToArray()
            : [attribute];
        return item =>
        {
            foreach (var part in parts) item = Access.GetItem(item, part);
            if (item is Undefined && fallback != null) item = fallback;
            if (lowercase && item is string s) item = s.ToLowerInvariant();
            return item;
        };
    }

    static Func<object?, object?> MapFunction(CallArguments a)
    {
        if (a.Positional.Count == 0 && a.Named.Any(n => n.Name == "attribute"))
        {
            var extra = a.Named.FirstOrDefault(n => n.Name is not ("attribute" or "default"));
            if (extra.Name != null) throw new TemplateRenderException($"Unexpected keyword argument '{extra.Name}'", "FilterArgumentError");
            return AttributeGetter(a.Get(99, "attribute"), a.Get(99, "default"));
        }
        if (a.Positional.Count == 0) throw new TemplateRenderException("map requires a filter argument", "FilterArgumentError");
        string filter = Text(a.Positional[0]);
        var rest = new CallArguments(a.Positional.Skip(1).ToList(), a.Named);
        return item => Apply(filter, item, rest);
    }

    static List<object?> SelectOrReject(object? value, CallArguments a, bool select, bool lookupAttribute)
    {
        int offset = 0;
        Func<object?, object?> transform = x => x;
        if (lookupAttribute)
        {
            if (a.Positional.Count == 0) throw new TemplateRenderException("Missing parameter for attribute name", "FilterArgumentError");
            transform = AttributeGetter(a.Positional[0], null);
            offset = 1;
        }
        Func<object?, bool> test;
        if (a.Positional.Count > offset)
        {
            string testName = Text(a.Positional[offset]);
            var testArgs = new CallArguments(a.Positional.Skip(offset + 1).ToList(), a.Named);
            test = x => Tests.Apply(testName, x, testArgs);
        }
        else test = PyOps.IsTrue;
        return PyOps.Iterate(value).Where(item => test(transform(item)) == select).ToList();
    }

    static List<object?> Unique(object? value, CallArguments a)
    {
        bool caseSensitive = PyOps.IsTrue(a.Get(0, "case_sensitive", false));
        var attribute = a.Get(1, "attribute");
        var key = attribute != null ? AttributeGetter(attribute, null, !caseSensitive) : x => !caseSensitive && x is string s ? s.ToLowerInvariant() : x;
        var seen = new List<object?>();
        var result = new List<object?>();
        foreach (var item in PyOps.Iterate(value))
        {
            var k = key(item);
            if (seen.Any(s => PyOps.AreEqual(s, k))) continue;
            seen.Add(k);
            result.Add(item);
        }
        return result;
    }

    static List<object?> Sort(object? value, CallArguments a)
    {
        bool reverse = PyOps.IsTrue(a.Get(0, "reverse", false));
        bool caseSensitive = PyOps.IsTrue(a.Get(1, "case_sensitive", false));
        var attribute = a.Get(2, "attribute");
        var key = attribute != null ? AttributeGetter(attribute, null, !caseSensitive) : x => !caseSensitive && x is string s ? s.ToLowerInvariant() : x;
        var items = PyOps.ToList(value);
        var sorted = items.Select(x => (Key: key(x), Item: x)).ToList();
        // List.Sort is not stable; OrderBy is, like Python's sorted.
        var ordered = reverse
            ? sorted.OrderByDescending(p => p.Key, Comparer<object?>.Create((x, y) => PyOps.Compare(x, y, "<")))
            : sorted.OrderBy(p => p.Key, Comparer<object?>.Create((x, y) => PyOps.Compare(x, y, "<")));
        return ordered.Select(p => p.Item).ToList();
    }

    static List<object?> DictSort(object? value, CallArguments a)
    {
        if (value is not PyDict dict) throw new TemplateRenderException("dictsort needs a mapping", "TypeError");
        bool caseSensitive = PyOps.IsTrue(a.Get(0, "case_sensitive", false));
        string by = PyFormat.Str(a.Get(1, "by", "key"));
        bool reverse = PyOps.IsTrue(a.Get(2, "reverse", false));
        int position = by switch { "key" => 0, "value" => 1, _ => throw new TemplateRenderException("You can only sort by either \"key\" or \"value\"", "FilterArgumentError") };
        var pairs = dict.Select(kv => new object?[] { kv.Key, kv.Value }).ToList();
        object? Key(object?[] pair) => !caseSensitive && pair[position] is string s ? s.ToLowerInvariant() : pair[position];
        var comparer = Comparer<object?>.Create((x, y) => PyOps.Compare(x, y, "<"));
        var ordered = reverse ? pairs.OrderByDescending(Key, comparer) : pairs.OrderBy(Key, comparer);
        return ordered.Select(p => (object?)p).ToList();
    }

    static object? MinMax(object? value, CallArguments a, bool max)
    {
        bool caseSensitive = PyOps.IsTrue(a.Get(0, "case_sensitive", false));
        var attribute = a.Get(1, "attribute");
        var key = attribute != null ? AttributeGetter(attribute, null, !caseSensitive) : x => !caseSensitive && x is string s ? s.ToLowerInvariant() : x;
        object? best = null;
        object? bestKey = null;
        bool any = false;
        foreach (var item in PyOps.Iterate(value))
        {
            var k = key(item);
            if (!any || (max ? PyOps.Compare(k, bestKey, ">") > 0 : PyOps.Compare(k, bestKey, "<") < 0)) { best = item; bestKey = k; any = true; }
        }
        return any ? best : new Undefined($"No aggregated item, sequence was empty.");
    }

    static List<object?> Batch(object? value, CallArguments a)
    {
        long size = Integer(a.Get(0, "linecount"));
        if (size <= 0) throw new TemplateRenderException("batch size must be positive", "FilterArgumentError");
        bool fill = a.Has(1, "fill_with");
        var fillWith = a.Get(1, "fill_with");
        var result = new List<object?>();
        List<object?> current = [];
        foreach (var item in PyOps.Iterate(value))
        {
            current.Add(item);
            if (current.Count == size) { result.Add(current); current = []; }
        }
        if (current.Count > 0)
        {
            if (fill) while (current.Count < size) current.Add(fillWith);
            result.Add(current);
        }
        return result;
    }

    [GeneratedRegex(@"([-\s({\[<]+)")]
    private static partial Regex TitleSplitRegex();

    [GeneratedRegex(@"\w+")]
    private static partial Regex WordRegex();
}
