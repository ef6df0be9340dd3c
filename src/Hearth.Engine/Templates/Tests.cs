namespace Hearth.Engine.Templates;

/// <summary>jinja2's tests (`value is name(args)`): defined, none, string, mapping, iterable, number, equalto...</summary>
static class Tests
{
    public static bool Exists(string name) => Names.Contains(name);

    static readonly HashSet<string> Names =
    [
        "boolean", "callable", "defined", "divisibleby", "eq", "equalto", "==", "escaped", "even", "false", "filter", "float", "ge", ">=",
        "greaterthan", "gt", ">", "in", "integer", "iterable", "le", "<=", "lessthan", "lower", "lt", "<", "mapping", "ne", "!=",
        "none", "number", "odd", "sameas", "sequence", "string", "test", "true", "undefined", "upper",
    ];

    static readonly HashSet<string> TakesArgument =
        ["divisibleby", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in", "sameas"];

    public static bool Apply(string name, object? value, CallArguments a)
    {
        if (!TakesArgument.Contains(name) && (a.Positional.Count > 0 || a.Named.Count > 0))
            throw new TemplateRenderException($"test_{name}() takes 1 positional argument but {1 + a.Positional.Count + a.Named.Count} were given", "TypeError");
        object? Arg() => a.Positional.Count > 0 ? a.Positional[0]
            : a.Named.Count > 0 ? a.Named[0].Value
            : throw new TemplateRenderException($"test '{name}' needs an argument", "TypeError");
        switch (name)
        {
            case "defined": return value is not Undefined;
            case "undefined": return value is Undefined;
            case "none": return value == null;
            case "boolean": return value is bool;
            case "true": return value is true;
            case "false": return value is false;
            case "integer": return value is long;
            case "float": return value is double;
            case "number": return PyOps.IsNumber(value);
            case "string": return value is string;
            case "mapping": return value is PyDict;
            // Like Python: anything with __iter__ (Undefined included) is iterable; len() + [] makes a sequence.
            case "iterable": return PyOps.IsIterable(value);
            case "sequence": return value is string or List<object?> or object?[] or PyDict or Undefined;
            case "callable": return value is Callable or LoopContext or Undefined; // Python: all three define __call__
            case "escaped": return false;
            case "lower": return value is string lower && lower == lower.ToLowerInvariant();
            case "upper": return value is string upper && upper == upper.ToUpperInvariant();
            case "odd": return Integer(value, name) % 2 != 0;
            case "even": return Integer(value, name) % 2 == 0;
            case "divisibleby":
                long divisor = Integer(Arg(), name);
                if (divisor == 0) throw new TemplateRenderException("integer division or modulo by zero", "ZeroDivisionError");
                return Integer(value, name) % divisor == 0;
            case "eq": case "equalto": case "==": return PyOps.AreEqual(value, Arg());
            case "ne": case "!=": return !PyOps.AreEqual(value, Arg());
            case "lt": case "lessthan": case "<": return PyOps.Compare(value, Arg(), "<") < 0;
            case "le": case "<=": return PyOps.Compare(value, Arg(), "<=") <= 0;
            case "gt": case "greaterthan": case ">": return PyOps.Compare(value, Arg(), ">") > 0;
            case "ge": case ">=": return PyOps.Compare(value, Arg(), ">=") >= 0;
            case "in": return PyOps.Contains(Arg(), value);
            case "sameas":
                var other = Arg();
                return value is null or bool || other is null or bool ? Equals(value, other)
                    : value is string || value is long ? PyOps.AreEqual(value, other) && value.GetType() == other?.GetType()
                    : ReferenceEquals(value, other);
            case "filter": return value is string f && Filters.Exists(f);
            case "test": return value is string t && Exists(t);
            default: throw new TemplateRenderException($"No test named '{name}'.", "TemplateAssertionError");
        }
    }

    static long Integer(object? value, string test) => value switch
    {
        long or bool => PyOps.ToLong(value),
        double d when d == Math.Floor(d) => (long)d,
        Undefined u => throw u.Fail(),
        _ => throw new TemplateRenderException($"test '{test}' needs an integer, got {PyFormat.TypeName(value)}", "TypeError"),
    };
}
