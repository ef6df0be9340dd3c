using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hearth.Engine.Templates;

/// <summary>
/// Turns caller data (System.Text.Json elements and nodes, or plain .NET dictionaries, lists, strings and numbers)
/// into interpreter values, once per render, so the template sees fresh Python-like data it cannot leak back.
/// </summary>
static class ValueConverter
{
    const int MaxDepth = 128;

    public static object? From(object? value, int depth = 0)
    {
        if (depth > MaxDepth) throw new ArgumentException($"Template input nested deeper than {MaxDepth} levels.");
        switch (value)
        {
            case null: return null;
            case string s: return s;
            case bool b: return b;
            case byte or sbyte or short or ushort or int or uint or long: return Convert.ToInt64(value);
            case ulong u: return u <= long.MaxValue ? (object)(long)u : (double)u;
            case float f: return (double)f;
            case double d: return d;
            case decimal m: return m == decimal.Truncate(m) && Math.Abs(m) < long.MaxValue ? (object)(long)m : (double)m;
            case char c: return c.ToString();
            case Enum e: return e.ToString();
            case JsonElement element: return FromElement(element, depth);
            case JsonNode node: return FromNode(node, depth);
            case IDictionary<string, object?> dict:
                var result = new PyDict();
                foreach (var (k, v) in dict) result[k] = From(v, depth + 1);
                return result;
            case IReadOnlyDictionary<string, object?> readOnly:
                var readOnlyResult = new PyDict();
                foreach (var (k, v) in readOnly) readOnlyResult[k] = From(v, depth + 1);
                return readOnlyResult;
            case IDictionary legacy:
                var legacyResult = new PyDict();
                foreach (DictionaryEntry entry in legacy) legacyResult[From(entry.Key, depth + 1) ?? "None"] = From(entry.Value, depth + 1);
                return legacyResult;
            case IEnumerable enumerable:
                var list = new List<object?>();
                foreach (var item in enumerable) list.Add(From(item, depth + 1));
                return list;
            case DateTimeOffset or DateTime: return value.ToString();
            default:
                throw new ArgumentException($"Template input of type {value.GetType().Name} is not supported; pass JSON elements/nodes or dictionaries, lists, strings, numbers, booleans and null.");
        }
    }

    static object? FromElement(JsonElement e, int depth)
    {
        if (depth > MaxDepth) throw new ArgumentException($"Template input nested deeper than {MaxDepth} levels.");
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var dict = new PyDict();
                foreach (var p in e.EnumerateObject()) dict[p.Name] = FromElement(p.Value, depth + 1);
                return dict;
            case JsonValueKind.Array:
                return e.EnumerateArray().Select(x => FromElement(x, depth + 1)).ToList();
            case JsonValueKind.String: return e.GetString();
            case JsonValueKind.Number: return Number(e.GetRawText());
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            default: return null;
        }
    }

    static object? FromNode(JsonNode? node, int depth)
    {
        if (depth > MaxDepth) throw new ArgumentException($"Template input nested deeper than {MaxDepth} levels.");
        switch (node)
        {
            case null: return null;
            case JsonObject obj:
                var dict = new PyDict();
                foreach (var (k, v) in obj) dict[k] = FromNode(v, depth + 1);
                return dict;
            case JsonArray array: return array.Select(x => FromNode(x, depth + 1)).ToList();
            case JsonValue value:
                if (value.TryGetValue<JsonElement>(out var element)) return FromElement(element, depth);
                if (value.TryGetValue<string>(out var s)) return s;
                if (value.TryGetValue<bool>(out var b)) return b;
                if (value.TryGetValue<long>(out var l)) return l;
                if (value.TryGetValue<double>(out var d)) return d;
                return Number(value.ToJsonString());
            default: return null;
        }
    }

    /// <summary>JSON numbers become int when written without a fraction or exponent (as Python's json module does).</summary>
    static object Number(string raw) =>
        raw.IndexOfAny(['.', 'e', 'E']) < 0 && long.TryParse(raw, out long l) ? (object)l : double.Parse(raw, System.Globalization.CultureInfo.InvariantCulture);
}
