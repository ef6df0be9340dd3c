namespace Hearth.Engine.Templates;

/// <summary>
/// obj.name, obj[key] and obj[a:b:c] with jinja2's rules: `.name` tries the Python attribute (a method) before the
/// dict key, `[key]` tries the key before the attribute, and anything missing is Undefined rather than an error.
/// </summary>
static class Access
{
    public static object? GetAttribute(object? obj, string name)
    {
        switch (obj)
        {
            case Undefined u: throw u.Fail();
            case PyDict dict:
                if (CollectionMethods.TryBindDict(dict, name, out var dictMethod)) return dictMethod;
                return dict.TryGetValue(name, out var value) ? value : Undefined.Missing(obj, name);
            case string s:
                return StringMethods.TryBind(s, name, out var stringMethod) ? stringMethod : Undefined.Missing(obj, name);
            case List<object?> list:
                return CollectionMethods.TryBindList(list, name, out var listMethod) ? listMethod : Undefined.Missing(obj, name);
            case Namespace ns:
                return ns.Attributes.TryGetValue(name, out var attribute) ? attribute : Undefined.Missing(obj, name);
            case LoopContext loop:
                return loop.GetAttribute(name);
            default:
                return Undefined.Missing(obj, name);
        }
    }

    public static object? GetItem(object? obj, object? key)
    {
        switch (obj)
        {
            case Undefined u: throw u.Fail();
            case PyDict dict:
                if (key != null && dict.TryGetValue(key, out var value)) return value;
                break;
            case List<object?> list:
                if (PyOps.IsInteger(key) && TryIndex(list.Count, PyOps.ToLong(key), out int i)) return list[i];
                break;
            case object?[] tuple:
                if (PyOps.IsInteger(key) && TryIndex(tuple.Length, PyOps.ToLong(key), out int j)) return tuple[j];
                break;
            case string s:
                if (PyOps.IsInteger(key))
                {
                    var chars = PyOps.CodePoints(s);
                    if (TryIndex(chars.Length, PyOps.ToLong(key), out int k)) return chars[k];
                }
                break;
        }
        // Like jinja2's getitem: fall back to the attribute for string keys, else Undefined.
        if (key is string name) return GetAttribute(obj, name);
        return Undefined.Missing(obj, key);
    }

    static bool TryIndex(int count, long index, out int resolved)
    {
        if (index < 0) index += count;
        resolved = (int)Math.Clamp(index, -1, int.MaxValue);
        return index >= 0 && index < count;
    }

    public static object? Slice(object? obj, object? start, object? stop, object? step)
    {
        if (obj is Undefined u) throw u.Fail();
        switch (obj)
        {
            case List<object?> list: return SliceIndices(list.Count, start, stop, step).Select(i => list[i]).ToList();
            case object?[] tuple: return SliceIndices(tuple.Length, start, stop, step).Select(i => tuple[i]).ToArray();
            case string s:
                var chars = PyOps.CodePoints(s);
                return string.Concat(SliceIndices(chars.Length, start, stop, step).Select(i => chars[i]));
            default:
                throw new TemplateRenderException($"'{PyFormat.TypeName(obj)}' object is not subscriptable", "TypeError");
        }
    }

    /// <summary>The indices Python's slice(start, stop, step).indices(count) walks, negative steps included.</summary>
    public static IEnumerable<int> SliceIndices(int count, object? start, object? stop, object? step)
    {
        long st = SliceBound(step) ?? 1;
        if (st == 0) throw new TemplateRenderException("slice step cannot be zero", "ValueError");
        long lower = st > 0 ? 0 : -1, upper = st > 0 ? count : count - 1;
        long Clamp(long? v, long fallback)
        {
            if (v == null) return fallback;
            long x = v.Value < 0 ? v.Value + count : v.Value;
            return Math.Clamp(x, lower, upper);
        }
        long from = Clamp(SliceBound(start), st > 0 ? lower : upper);
        long to = Clamp(SliceBound(stop), st > 0 ? upper : lower);
        var indices = new List<int>();
        for (long i = from; st > 0 ? i < to : i > to; i += st) indices.Add((int)i);
        return indices;
    }

    static long? SliceBound(object? value) => value switch
    {
        null => null,
        Undefined u => throw u.Fail(),
        _ when PyOps.IsInteger(value) => PyOps.ToLong(value),
        _ => throw new TemplateRenderException("slice indices must be integers or None or have an __index__ method", "TypeError"),
    };
}
