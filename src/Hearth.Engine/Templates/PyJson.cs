using System.Text;

namespace Hearth.Engine.Templates;

/// <summary>
/// Python's json.dumps as Hugging Face's tojson filter calls it (ensure_ascii=False by default): ", " and ": "
/// separators, or "," and ": " once indent is given; dict order kept unless sort_keys.
/// </summary>
static class PyJson
{
    public sealed record Options(string? Indent = null, string ItemSeparator = ", ", string KeySeparator = ": ", bool SortKeys = false, bool EnsureAscii = false);

    public static string Dumps(object? value, Options options)
    {
        var sb = new StringBuilder();
        Write(sb, value, options, 0);
        return sb.ToString();
    }

    static void Write(StringBuilder sb, object? value, Options o, int level)
    {
        if (level > 200) throw new TemplateRenderException("maximum recursion depth exceeded while encoding a JSON object", "RecursionError");
        switch (value)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(l); break;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : PyFormat.Float(d));
                break;
            case string s: WriteString(sb, s, o.EnsureAscii); break;
            case List<object?> list: WriteArray(sb, list, o, level); break;
            case object?[] tuple: WriteArray(sb, tuple, o, level); break;
            case PyDict dict: WriteObject(sb, dict, o, level); break;
            default:
                throw new TemplateRenderException($"Object of type {PyFormat.TypeName(value)} is not JSON serializable", "TypeError");
        }
    }

    static void WriteArray(StringBuilder sb, IList<object?> items, Options o, int level)
    {
        if (items.Count == 0) { sb.Append("[]"); return; }
        sb.Append('[');
        for (int i = 0; i < items.Count; i++)
        {
            if (i > 0) sb.Append(o.ItemSeparator);
            NewLine(sb, o, level + 1);
            Write(sb, items[i], o, level + 1);
        }
        NewLine(sb, o, level);
        sb.Append(']');
    }

    static void WriteObject(StringBuilder sb, PyDict dict, Options o, int level)
    {
        if (dict.Count == 0) { sb.Append("{}"); return; }
        var pairs = dict.Select(kv => (Key: KeyString(kv.Key), kv.Value)).ToList();
        if (o.SortKeys) pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        sb.Append('{');
        for (int i = 0; i < pairs.Count; i++)
        {
            if (i > 0) sb.Append(o.ItemSeparator);
            NewLine(sb, o, level + 1);
            WriteString(sb, pairs[i].Key, o.EnsureAscii);
            sb.Append(o.KeySeparator);
            Write(sb, pairs[i].Value, o, level + 1);
        }
        NewLine(sb, o, level);
        sb.Append('}');
    }

    static string KeyString(object key) => key switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(),
        double d => PyFormat.Float(d),
        _ => throw new TemplateRenderException($"keys must be str, int, float, bool or None, not {PyFormat.TypeName(key)}", "TypeError"),
    };

    static void NewLine(StringBuilder sb, Options o, int level)
    {
        if (o.Indent == null) return;
        sb.Append('\n');
        for (int i = 0; i < level; i++) sb.Append(o.Indent);
    }

    public static void WriteString(StringBuilder sb, string s, bool ensureAscii)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) sb.Append($"\\u{(int)c:x4}");
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
