namespace Hearth.Engine.Templates;

/// <summary>The `loop` variable inside a for loop: index, first, last, length, previtem, nextitem, cycle()...</summary>
sealed class LoopContext(List<object?> items, int depth0)
{
    public int Index0 { get; set; }

    /// <summary>For `recursive` loops: loop(children) renders the loop body over children, one level deeper.</summary>
    public Func<CallArguments, object?>? Recurse { get; set; }
    object? lastChangedValue = new();

    public object? GetAttribute(string name) => name switch
    {
        "index" => (long)Index0 + 1,
        "index0" => (long)Index0,
        "revindex" => (long)(items.Count - Index0),
        "revindex0" => (long)(items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => (long)items.Count,
        "depth" => (long)depth0 + 1,
        "depth0" => (long)depth0,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : new Undefined("there is no previous item"),
        "nextitem" => Index0 < items.Count - 1 ? items[Index0 + 1] : new Undefined("there is no next item"),
        "cycle" => new NativeFunction("cycle", args =>
            args.Positional.Count == 0
                ? throw new TemplateRenderException("no items for cycling given", "TypeError")
                : args.Positional[Index0 % args.Positional.Count]),
        "changed" => new NativeFunction("changed", args =>
        {
            object? value = args.Positional.Count == 1 ? args.Positional[0] : args.Positional.ToArray();
            if (PyOps.AreEqual(value, lastChangedValue)) return false;
            lastChangedValue = value;
            return true;
        }),
        _ => Undefined.Missing(this, name),
    };
}
