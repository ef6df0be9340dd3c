using System.Runtime.CompilerServices;
using System.Text;

namespace Hearth.Engine.Templates;

// Expression evaluation: each node kind maps to the Python operation jinja2 would perform.
sealed partial class Interpreter
{
    const int MaxExpressionDepth = 2000;
    int expressionDepth;

    /// <summary>
    /// Evaluates one expression. Long chains (a.b.c..., x + x + ...) nest without parentheses, so depth is counted
    /// here; each node kind has its own small method to keep this recursive frame small.
    /// </summary>
    public object? Evaluate(Expr expr, Scope scope)
    {
        if (++expressionDepth > MaxExpressionDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new TemplateRenderException("expression nests too deeply", "RecursionError", expr.Line);
        try { return EvaluateNode(expr, scope); }
        finally { expressionDepth--; }
    }

    object? EvaluateNode(Expr expr, Scope scope) => expr switch
    {
        ConstExpr c => c.Value,
        NameExpr name => scope.TryGet(name.Name, out var value) ? value : Undefined.Named(name.Name),
        ListExpr list => EvaluateAll(list.Items, scope),
        TupleExpr tuple => EvaluateAll(tuple.Items, scope).ToArray(),
        DictExpr dict => EvaluateDict(dict, scope),
        AttributeExpr attribute => Access.GetAttribute(Evaluate(attribute.Object, scope), attribute.Name),
        ItemExpr item => Access.GetItem(Evaluate(item.Object, scope), Evaluate(item.Index, scope)),
        SliceExpr slice => EvaluateSlice(slice, scope),
        CallExpr call => Invoke(Evaluate(call.Callee, scope), EvaluateArguments(call.Args, scope), call.Line),
        FilterExpr filter => ApplyFilter(filter, Evaluate(filter.Value!, scope), scope),
        TestExpr test => EvaluateTest(test, scope),
        UnaryExpr unary => EvaluateUnary(unary, scope),
        BinaryExpr binary => EvaluateBinary(binary, scope),
        CompareExpr compare => EvaluateCompare(compare, scope),
        ConcatExpr concat => EvaluateConcat(concat, scope),
        ConditionalExpr conditional => EvaluateConditional(conditional, scope),
        _ => throw new TemplateRenderException($"cannot evaluate {expr.GetType().Name}", "TemplateError", expr.Line),
    };

    List<object?> EvaluateAll(List<Expr> items, Scope scope)
    {
        var values = new List<object?>(items.Count);
        foreach (var item in items) values.Add(Evaluate(item, scope));
        return values;
    }

    PyDict EvaluateDict(DictExpr dict, Scope scope)
    {
        var result = new PyDict();
        foreach (var (k, v) in dict.Pairs)
        {
            var key = Evaluate(k, scope);
            if (key is null or Undefined or List<object?> or PyDict)
                throw new TemplateRenderException($"unhashable or unsupported dict key: {PyFormat.TypeName(key)}", "TypeError", k.Line);
            result[key] = Evaluate(v, scope);
        }
        return result;
    }

    object? EvaluateSlice(SliceExpr slice, Scope scope) =>
        Access.Slice(Evaluate(slice.Object, scope),
            slice.Start == null ? null : Evaluate(slice.Start, scope),
            slice.Stop == null ? null : Evaluate(slice.Stop, scope),
            slice.Step == null ? null : Evaluate(slice.Step, scope));

    bool EvaluateTest(TestExpr test, Scope scope)
    {
        if (!Tests.Exists(test.Name)) throw new TemplateRenderException($"No test named '{test.Name}'.", "TemplateAssertionError", test.Line);
        return Tests.Apply(test.Name, Evaluate(test.Value, scope), EvaluateArguments(test.Args, scope)) != test.Negated;
    }

    object? EvaluateUnary(UnaryExpr unary, Scope scope)
    {
        var operand = Evaluate(unary.Operand, scope);
        return unary.Op switch
        {
            "not" => !PyOps.IsTrue(operand),
            "-" => PyOps.Negate(operand),
            _ => PyOps.IsNumber(operand) ? (operand is bool b ? (b ? 1L : 0L) : operand)
                : operand is Undefined u ? throw u.Fail()
                : throw new TemplateRenderException($"bad operand type for unary +: '{PyFormat.TypeName(operand)}'", "TypeError"),
        };
    }

    /// <summary>and/or short-circuit and return an operand, as in Python; the rest are arithmetic.</summary>
    object? EvaluateBinary(BinaryExpr binary, Scope scope)
    {
        var left = Evaluate(binary.Left, scope);
        return binary.Op switch
        {
            "and" => PyOps.IsTrue(left) ? Evaluate(binary.Right, scope) : left,
            "or" => PyOps.IsTrue(left) ? left : Evaluate(binary.Right, scope),
            _ => PyOps.Binary(binary.Op, left, Evaluate(binary.Right, scope)),
        };
    }

    string EvaluateConcat(ConcatExpr concat, Scope scope)
    {
        var sb = new StringBuilder();
        foreach (var part in concat.Parts) sb.Append(PyFormat.Str(Evaluate(part, scope)));
        PyOps.CheckLength(sb.Length);
        return sb.ToString();
    }

    object? EvaluateConditional(ConditionalExpr conditional, Scope scope)
    {
        if (PyOps.IsTrue(Evaluate(conditional.Condition, scope))) return Evaluate(conditional.Then, scope);
        return conditional.Else != null ? Evaluate(conditional.Else, scope)
            : new Undefined($"the inline if-expression on line {conditional.Line} evaluated to false and no else section was defined.");
    }

    bool EvaluateCompare(CompareExpr compare, Scope scope)
    {
        var left = Evaluate(compare.First, scope);
        foreach (var (op, rightExpr) in compare.Rest)
        {
            var right = Evaluate(rightExpr, scope);
            bool holds = op switch
            {
                "==" => PyOps.AreEqual(left, right),
                "!=" => !PyOps.AreEqual(left, right),
                "<" => PyOps.Compare(left, right, op) < 0,
                "<=" => PyOps.Compare(left, right, op) <= 0,
                ">" => PyOps.Compare(left, right, op) > 0,
                ">=" => PyOps.Compare(left, right, op) >= 0,
                "in" => PyOps.Contains(right, left),
                "not in" => !PyOps.Contains(right, left),
                _ => throw new TemplateRenderException($"unknown comparison {op}"),
            };
            if (!holds) return false;
            left = right;
        }
        return true;
    }

    CallArguments EvaluateArguments(Arguments args, Scope scope)
    {
        if (args.Positional.Count == 0 && args.Named.Count == 0) return new CallArguments([], []);
        return new CallArguments(
            args.Positional.Select(a => Evaluate(a, scope)).ToList(),
            args.Named.Select(a => (a.Name, Evaluate(a.Value, scope))).ToList());
    }

    object? Invoke(object? callee, CallArguments args, int line)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        return callee switch
        {
            Callable function => function.Invoke(this, args, line),
            LoopContext { Recurse: { } recurse } => recurse(args),
            Undefined u => throw u.Fail(),
            _ => throw new TemplateRenderException($"'{PyFormat.TypeName(callee)}' object is not callable", "TypeError", line),
        };
    }

    object? ApplyFilter(FilterExpr filter, object? value, Scope scope)
    {
        if (!Filters.Exists(filter.Name)) throw new TemplateRenderException($"No filter named '{filter.Name}'.", "TemplateAssertionError", filter.Line);
        return Filters.Apply(filter.Name, value, EvaluateArguments(filter.Args, scope));
    }

    object? ApplyFilters(List<FilterExpr> filters, object? value, Scope scope)
    {
        foreach (var filter in filters) value = ApplyFilter(filter, value, scope);
        return value;
    }
}
