namespace Hearth.Engine.Templates;

/// <summary>
/// Python's dict and list methods that templates call (d.items(), d.get(k), l.index(x)...). Hugging Face renders in
/// an immutable sandbox; append/extend/update are still allowed here because templates written for other runtimes
/// (llama.cpp's minja) use them to build lists inside namespaces.
/// </summary>
static class CollectionMethods
{
    public static bool TryBindDict(PyDict dict, string name, out NativeFunction method)
    {
        Func<CallArguments, object?>? body = name switch
        {
            "items" => a => new DictView("dict_items", dict.Select(kv => (object?)new object?[] { kv.Key, kv.Value })),
            "keys" => a => new DictView("dict_keys", dict.Keys),
            "values" => a => new DictView("dict_values", dict.Values),
            "get" => a =>
            {
                var key = a.Check(name, "key", "default").Get(0, "key");
                return key != null && dict.TryGetValue(key, out var v) ? v : a.Get(1, "default");
            },
            "copy" => a => Copy(dict),
            "update" => a =>
            {
                foreach (var source in a.Positional)
                    foreach (var (k, v) in source as PyDict ?? throw new TemplateRenderException("dict.update() needs a dict", "TypeError"))
                        dict[k] = v;
                foreach (var (k, v) in a.Named) dict[k] = v;
                return null;
            },
            _ => null,
        };
        method = body == null ? null! : new NativeFunction($"dict.{name}", body);
        return body != null;
    }

    public static bool TryBindList(List<object?> list, string name, out NativeFunction method)
    {
        Func<CallArguments, object?>? body = name switch
        {
            "append" => a =>
            {
                if (list.Count >= PyOps.MaxBuiltLength) throw new TemplateRenderException("list too long", "MemoryError");
                list.Add(a.Get(0, "object"));
                return null;
            },
            "extend" => a => { list.AddRange(PyOps.Iterate(a.Get(0, "iterable"))); return null; },
            "index" => a =>
            {
                var item = a.Get(0, "value");
                int i = list.FindIndex(x => PyOps.AreEqual(x, item));
                return i >= 0 ? (long)i : throw new TemplateRenderException($"{PyFormat.Repr(item)} is not in list", "ValueError");
            },
            "count" => a => (long)list.Count(x => PyOps.AreEqual(x, a.Get(0, "value"))),
            "copy" => a => list.ToList(),
            _ => null,
        };
        method = body == null ? null! : new NativeFunction($"list.{name}", body);
        return body != null;
    }

    static PyDict Copy(PyDict dict)
    {
        var copy = new PyDict();
        foreach (var (k, v) in dict) copy[k] = v;
        return copy;
    }
}
