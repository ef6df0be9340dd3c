namespace Hearth.Engine.Templates;

// The interpreter's values, chosen to behave like the Python objects jinja2 sees:
// null = None, bool, long = int, double = float, string = str, List<object?> = list, object?[] = tuple,
// PyDict = dict (insertion ordered), plus the jinja2-specific kinds below.

/// <summary>A dict: keeps insertion order and compares keys with Python equality (1 == 1.0 == True).</summary>
sealed class PyDict : OrderedDictionary<object, object?>
{
    public PyDict() : base(PyKeyComparer.Instance) { }
}

sealed class PyKeyComparer : IEqualityComparer<object>
{
    public static readonly PyKeyComparer Instance = new();

    public new bool Equals(object? x, object? y) => PyOps.AreEqual(x, y);

    public int GetHashCode(object obj) => obj switch
    {
        bool b => (b ? 1L : 0L).GetHashCode(),
        double d when d == Math.Floor(d) && Math.Abs(d) < 9e18 => ((long)d).GetHashCode(),
        object?[] tuple => tuple.Aggregate(17, (h, item) => h * 31 + (item == null ? 0 : GetHashCode(item))),
        _ => obj.GetHashCode(),
    };
}

/// <summary>What dict.items(), .keys() and .values() return: a list that prints as Python's dict_items([...]).</summary>
sealed class DictView(string kind, IEnumerable<object?> items) : List<object?>(items)
{
    public string Kind { get; } = kind;
}

/// <summary>jinja2's default Undefined: prints as "", is falsy, iterates as empty, and fails on any other use.</summary>
sealed class Undefined
{
    public string Message { get; }

    public Undefined(string message) => Message = message;

    public static Undefined Named(string name) => new($"'{name}' is undefined");

    public static Undefined Missing(object? owner, object? key) => key is string name
        ? new($"'{PyFormat.TypeReprForUndefined(owner)}' has no attribute '{name}'")
        : new($"{PyFormat.TypeReprForUndefined(owner)} has no element {PyFormat.Repr(key)}");

    public TemplateRenderException Fail() => new(Message, "UndefinedError");
}

/// <summary>namespace(...): the one object templates may assign attributes on, to carry state out of loops.</summary>
sealed class Namespace
{
    public PyDict Attributes { get; } = new();
}

/// <summary>Anything a template can call: macros, globals like range(), and bound methods like "a".upper.</summary>
abstract class Callable
{
    public abstract string Name { get; }
    public abstract object? Invoke(Interpreter interpreter, CallArguments args, int line);
}

/// <summary>A built-in function or bound method implemented in C#.</summary>
sealed class NativeFunction(string name, Func<CallArguments, object?> body) : Callable
{
    public override string Name => name;
    public override object? Invoke(Interpreter interpreter, CallArguments args, int line) => body(args);
}

/// <summary>Evaluated call arguments, with Python-style binding helpers.</summary>
sealed class CallArguments(List<object?> positional, List<(string Name, object? Value)> named)
{
    public static CallArguments Empty { get; } = new([], []);

    public List<object?> Positional { get; } = positional;
    public List<(string Name, object? Value)> Named { get; } = named;

    /// <summary>The argument at position index, or named name, or fallback when neither was passed.</summary>
    public object? Get(int index, string name, object? fallback = null)
    {
        if (index < Positional.Count) return Positional[index];
        foreach (var (n, v) in Named) if (n == name) return v;
        return fallback;
    }

    public bool Has(int index, string name) => index < Positional.Count || Named.Any(a => a.Name == name);

    /// <summary>Rejects unknown keyword arguments and too many positional ones, as Python would.</summary>
    public CallArguments Check(string function, params string[] parameters)
    {
        if (Positional.Count > parameters.Length)
            throw new TemplateRenderException($"{function}() takes at most {parameters.Length} argument(s) ({Positional.Count} given)", "TypeError");
        foreach (var (n, _) in Named)
            if (!parameters.Contains(n)) throw new TemplateRenderException($"{function}() got an unexpected keyword argument '{n}'", "TypeError");
        return this;
    }
}
