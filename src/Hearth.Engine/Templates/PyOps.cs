using System.Text;

namespace Hearth.Engine.Templates;

/// <summary>Python semantics for the operators: truthiness, ==, ordering, arithmetic, `in`, len() and iteration.</summary>
static class PyOps
{
    /// <summary>Largest string or list an operator may build (a hostile "x" * 10**12 must fail, not exhaust memory).</summary>
    public const long MaxBuiltLength = 4 * 1024 * 1024;

    public static bool IsTrue(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        object?[] tuple => tuple.Length > 0,
        PyDict dict => dict.Count > 0,
        Undefined => false,
        _ => true,
    };

    public static bool IsNumber(object? value) => value is long or double or bool;

    public static bool IsInteger(object? value) => value is long or bool;

    public static long ToLong(object? value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException("not an integer"),
    };

    public static double ToDouble(object? value) => value switch
    {
        double d => d,
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException("not a number"),
    };

    public static bool AreEqual(object? a, object? b)
    {
        if (a == null || b == null) return a == null && b == null;
        if (IsNumber(a) && IsNumber(b))
            return IsInteger(a) && IsInteger(b) ? ToLong(a) == ToLong(b) : ToDouble(a) == ToDouble(b);
        switch (a)
        {
            case string sa: return b is string sb && sa == sb;
            case List<object?> la: return b is List<object?> lb && SequenceEqual(la, lb);
            case object?[] ta: return b is object?[] tb && SequenceEqual(ta, tb);
            case PyDict da:
                if (b is not PyDict db || da.Count != db.Count) return false;
                foreach (var (k, v) in da)
                    if (!db.TryGetValue(k, out var other) || !AreEqual(v, other)) return false;
                return true;
            case Undefined: return b is Undefined;
            default: return ReferenceEquals(a, b);
        }
    }

    static bool SequenceEqual(IList<object?> a, IList<object?> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++) if (!AreEqual(a[i], b[i])) return false;
        return true;
    }

    /// <summary>Python's ordering (&lt; &gt;): numbers, strings by code point, sequences element by element.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        if (a is Undefined ua) throw ua.Fail();
        if (b is Undefined ub) throw ub.Fail();
        if (IsNumber(a) && IsNumber(b))
            return IsInteger(a) && IsInteger(b) ? ToLong(a).CompareTo(ToLong(b)) : ToDouble(a).CompareTo(ToDouble(b));
        if (a is string sa && b is string sb) return CompareCodePoints(sa, sb);
        if ((a is List<object?> && b is List<object?>) || (a is object?[] && b is object?[]))
        {
            var la = (IList<object?>)a;
            var lb = (IList<object?>)b!;
            for (int i = 0; i < Math.Min(la.Count, lb.Count); i++)
                if (!AreEqual(la[i], lb[i])) return Compare(la[i], lb[i], op);
            return la.Count.CompareTo(lb.Count);
        }
        throw new TemplateRenderException($"'{op}' not supported between instances of '{PyFormat.TypeName(a)}' and '{PyFormat.TypeName(b)}'", "TypeError");
    }

    static int CompareCodePoints(string a, string b)
    {
        var ea = a.EnumerateRunes();
        var eb = b.EnumerateRunes();
        while (true)
        {
            bool ha = ea.MoveNext(), hb = eb.MoveNext();
            if (!ha || !hb) return ha.CompareTo(hb);
            int c = ea.Current.Value.CompareTo(eb.Current.Value);
            if (c != 0) return c;
        }
    }

    public static bool Contains(object? container, object? item) => container switch
    {
        string s => item is string sub ? s.Contains(sub, StringComparison.Ordinal)
            : throw new TemplateRenderException($"'in <string>' requires string as left operand, not {PyFormat.TypeName(item)}", "TypeError"),
        List<object?> list => list.Any(x => AreEqual(x, item)),
        object?[] tuple => tuple.Any(x => AreEqual(x, item)),
        PyDict dict => item != null && dict.ContainsKey(item),
        Namespace ns => item != null && ns.Attributes.ContainsKey(item),
        Undefined => false,
        _ => throw new TemplateRenderException($"argument of type '{PyFormat.TypeName(container)}' is not iterable", "TypeError"),
    };

    public static long Length(object? value) => value switch
    {
        string s => CodePointCount(s),
        List<object?> list => list.Count,
        object?[] tuple => tuple.Length,
        PyDict dict => dict.Count,
        Undefined => 0,
        _ => throw new TemplateRenderException($"object of type '{PyFormat.TypeName(value)}' has no len()", "TypeError"),
    };

    public static IEnumerable<object?> Iterate(object? value) => value switch
    {
        List<object?> list => list.ToArray(),
        object?[] tuple => tuple,
        PyDict dict => dict.Keys.ToArray(),
        string s => CodePoints(s),
        Undefined => [],
        Namespace ns => ns.Attributes.Keys.ToArray(),
        _ => throw new TemplateRenderException($"'{PyFormat.TypeName(value)}' object is not iterable", "TypeError"),
    };

    public static bool IsIterable(object? value) => value is string or List<object?> or object?[] or PyDict or Undefined;

    public static List<object?> ToList(object? value) => [.. Iterate(value)];

    // ---- strings as sequences of code points (Python's len, index and slice count code points, not UTF-16 units) ----

    public static int CodePointCount(string s)
    {
        int n = 0;
        foreach (var _ in s.EnumerateRunes()) n++;
        return n;
    }

    public static string[] CodePoints(string s) => s.EnumerateRunes().Select(r => r.ToString()).ToArray();

    // ---- arithmetic ----

    public static object? Binary(string op, object? a, object? b)
    {
        if (a is Undefined ua) throw ua.Fail();
        if (b is Undefined ub) throw ub.Fail();
        switch (op)
        {
            case "+":
                if (IsNumber(a) && IsNumber(b)) return IsInteger(a) && IsInteger(b) ? (object)CheckedAdd(ToLong(a), ToLong(b)) : ToDouble(a) + ToDouble(b);
                if (a is string sa && b is string sb) { CheckLength(sa.Length + (long)sb.Length); return sa + sb; }
                if (a is List<object?> la && b is List<object?> lb) { CheckLength(la.Count + (long)lb.Count); return new List<object?>([.. la, .. lb]); }
                if (a is object?[] ta && b is object?[] tb) return ta.Concat(tb).ToArray();
                if (a is string) throw new TemplateRenderException($"can only concatenate str (not \"{PyFormat.TypeName(b)}\") to str", "TypeError");
                if (a is List<object?>) throw new TemplateRenderException($"can only concatenate list (not \"{PyFormat.TypeName(b)}\") to list", "TypeError");
                break;
            case "-":
                if (IsNumber(a) && IsNumber(b)) return IsInteger(a) && IsInteger(b) ? (object)CheckedSub(ToLong(a), ToLong(b)) : ToDouble(a) - ToDouble(b);
                break;
            case "*":
                if (IsNumber(a) && IsNumber(b)) return IsInteger(a) && IsInteger(b) ? (object)CheckedMul(ToLong(a), ToLong(b)) : ToDouble(a) * ToDouble(b);
                if (a is string s1 && IsInteger(b)) return Repeat(s1, ToLong(b));
                if (IsInteger(a) && b is string s2) return Repeat(s2, ToLong(a));
                if (a is List<object?> l1 && IsInteger(b)) return RepeatList(l1, ToLong(b));
                if (IsInteger(a) && b is List<object?> l2) return RepeatList(l2, ToLong(a));
                break;
            case "/":
                if (IsNumber(a) && IsNumber(b))
                {
                    double divisor = ToDouble(b);
                    if (divisor == 0) throw new TemplateRenderException("division by zero", "ZeroDivisionError");
                    return ToDouble(a) / divisor;
                }
                break;
            case "//":
                if (IsNumber(a) && IsNumber(b))
                {
                    if (ToDouble(b) == 0) throw new TemplateRenderException("integer division or modulo by zero", "ZeroDivisionError");
                    if (IsInteger(a) && IsInteger(b)) return FloorDiv(ToLong(a), ToLong(b));
                    return Math.Floor(ToDouble(a) / ToDouble(b));
                }
                break;
            case "%":
                if (a is string format) return StringMethods.PercentFormat(format, b);
                if (IsNumber(a) && IsNumber(b))
                {
                    if (ToDouble(b) == 0) throw new TemplateRenderException("integer division or modulo by zero", "ZeroDivisionError");
                    if (IsInteger(a) && IsInteger(b)) { long x = ToLong(a), y = ToLong(b); return x - y * FloorDiv(x, y); }
                    double dx = ToDouble(a), dy = ToDouble(b);
                    double m = dx % dy;
                    return m != 0 && (m < 0) != (dy < 0) ? m + dy : m;
                }
                break;
            case "**":
                if (IsNumber(a) && IsNumber(b))
                {
                    if (IsInteger(a) && IsInteger(b) && ToLong(b) >= 0) return IntPow(ToLong(a), ToLong(b));
                    return Math.Pow(ToDouble(a), ToDouble(b));
                }
                break;
        }
        throw new TemplateRenderException($"unsupported operand type(s) for {op}: '{PyFormat.TypeName(a)}' and '{PyFormat.TypeName(b)}'", "TypeError");
    }

    public static object? Negate(object? value) => value switch
    {
        long l => (object)CheckedSub(0, l),
        bool b => b ? -1L : 0L,
        double d => -d,
        Undefined u => throw u.Fail(),
        _ => throw new TemplateRenderException($"bad operand type for unary -: '{PyFormat.TypeName(value)}'", "TypeError"),
    };

    static long FloorDiv(long x, long y)
    {
        long q = x / y;
        return (x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q;
    }

    static long CheckedAdd(long a, long b) => Overflow(() => checked(a + b));
    static long CheckedSub(long a, long b) => Overflow(() => checked(a - b));
    static long CheckedMul(long a, long b) => Overflow(() => checked(a * b));

    static long IntPow(long x, long n)
    {
        long result = 1;
        return Overflow(() =>
        {
            long b = x, e = n;
            while (e > 0)
            {
                if ((e & 1) == 1) result = checked(result * b);
                e >>= 1;
                if (e > 0) b = checked(b * b);
            }
            return result;
        });
    }

    static long Overflow(Func<long> f)
    {
        try { return f(); }
        catch (OverflowException) { throw new TemplateRenderException("integer result too large for this interpreter (64-bit)", "OverflowError"); }
    }

    public static long CheckLength(long length) =>
        length > MaxBuiltLength ? throw new TemplateRenderException($"result longer than {MaxBuiltLength} items", "MemoryError") : length;

    static string Repeat(string s, long times)
    {
        if (times <= 0 || s.Length == 0) return "";
        CheckLength(s.Length * Math.Min(times, MaxBuiltLength + 1));
        var sb = new StringBuilder(s.Length * (int)times);
        for (long i = 0; i < times; i++) sb.Append(s);
        return sb.ToString();
    }

    static List<object?> RepeatList(List<object?> list, long times)
    {
        var result = new List<object?>();
        if (times <= 0) return result;
        CheckLength(list.Count * Math.Min(times, MaxBuiltLength + 1));
        for (long i = 0; i < times; i++) result.AddRange(list);
        return result;
    }
}
