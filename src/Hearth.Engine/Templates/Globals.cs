namespace Hearth.Engine.Templates;

/// <summary>Functions every template can call: jinja2's range, dict, namespace, and Hugging Face's raise_exception and strftime_now.</summary>
static class Globals
{
    const long MaxRange = 100_000; // jinja2 sandbox MAX_RANGE

    public static void AddBuiltins(Dictionary<string, object?> globals, TimeProvider clock)
    {
        globals["range"] = new NativeFunction("range", Range);
        globals["dict"] = new NativeFunction("dict", args =>
        {
            var dict = new PyDict();
            foreach (var source in args.Positional)
                foreach (var (k, v) in source as PyDict ?? throw new TemplateRenderException("dict() needs a mapping", "TypeError")) dict[k] = v;
            foreach (var (k, v) in args.Named) dict[k] = v;
            return dict;
        });
        globals["namespace"] = new NativeFunction("namespace", args =>
        {
            var ns = new Namespace();
            foreach (var source in args.Positional)
                foreach (var (k, v) in source as PyDict ?? throw new TemplateRenderException("namespace() needs a mapping", "TypeError")) ns.Attributes[k] = v;
            foreach (var (k, v) in args.Named) ns.Attributes[k] = v;
            return ns;
        });
        globals["raise_exception"] = new NativeFunction("raise_exception", args =>
            throw new TemplateRaisedException(PyFormat.Str(args.Get(0, "message", ""))));
        globals["strftime_now"] = new NativeFunction("strftime_now", args =>
            Strftime.Format(clock.GetLocalNow(), args.Get(0, "format") as string
                ?? throw new TemplateRenderException("strftime_now() needs a format string", "TypeError")));
    }

    static object? Range(CallArguments args)
    {
        if (args.Named.Count > 0) throw new TemplateRenderException("range() takes no keyword arguments", "TypeError");
        var n = args.Positional.Select(v => PyOps.IsInteger(v) ? PyOps.ToLong(v)
            : throw new TemplateRenderException($"'{PyFormat.TypeName(v)}' object cannot be interpreted as an integer", "TypeError")).ToArray();
        (long start, long stop, long step) = n.Length switch
        {
            1 => (0L, n[0], 1L),
            2 => (n[0], n[1], 1L),
            3 => (n[0], n[1], n[2]),
            _ => throw new TemplateRenderException($"range expected 1 to 3 arguments, got {n.Length}", "TypeError"),
        };
        if (step == 0) throw new TemplateRenderException("range() arg 3 must not be zero", "ValueError");
        long count = step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step;
        if (count > MaxRange) throw new TemplateRenderException($"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({MaxRange}).", "OverflowError");
        var items = new List<object?>();
        for (long i = 0; i < count; i++) items.Add(start + i * step);
        return items;
    }
}
