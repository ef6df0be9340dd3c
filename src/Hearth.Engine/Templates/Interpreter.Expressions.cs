using System.Runtime.CompilerServices;
using System.Text;

namespace Hearth.Engine.Templates;

// Expression evaluation: each node kind maps to the Python operation jinja2 would perform.
sealed partial class Interpreter
{
    public object? Evaluate(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case ConstExpr c: return c.Value;
            case NameExpr name: return scope.TryGet(name.Name, out var value) ? value : Undefined.Named(name.Name);
            case ListExpr list: return list.Items.Select(item => Evaluate(item, scope)).ToList();
            case TupleExpr tuple: return tuple.Items.Select(item => Evaluate(item, scope)).ToArray();
            case DictExpr dict:
                var result = new PyDict();
                foreach (var (k, v) in dict.Pairs)
                {
                    var key = Evaluate(k, scope);
                    if (key is null or Undefined or List<object?> or PyDict)
                        throw new TemplateRenderException($"unhashable or unsupported dict key: {PyFormat.TypeName(key)}", "TypeError", k.Line);
                    result[key] = Evaluate(v, scope);
                }
                return result;
            case AttributeExpr attribute: return Access.GetAttribute(Evaluate(attribute.Object, scope), attribute.Name);
            case ItemExpr item: return Access.GetItem(Evaluate(item.Object, scope), Evaluate(item.Index, scope));
            case SliceExpr slice:
                return Access.Slice(Evaluate(slice.Object, scope),
                    slice.Start == null ? null : Evaluate(slice.Start, scope),
                    slice.Stop == null ? null : Evaluate(slice.Stop, scope),
                    slice.Step == null ? null : Evaluate(slice.Step, scope));
            case CallExpr call: return Invoke(Evaluate(call.Callee, scope), EvaluateArguments(call.Args, scope), call.Line);
            case FilterExpr filter: return ApplyFilter(filter, Evaluate(filter.Value!, scope), scope);
            case TestExpr test:
                if (!Tests.Exists(test.Name)) throw new TemplateRenderException($"No test named '{test.Name}'.", "TemplateAssertionError", test.Line);
                return Tests.Apply(test.Name, Evaluate(test.Value, scope), EvaluateArguments(test.Args, scope)) != test.Negated;
            case UnaryExpr unary:
                var operand = Evaluate(unary.Operand, scope);
                return unary.Op switch
                {
                    "not" => !PyOps.IsTrue(operand),
                    "-" => PyOps.Negate(operand),
                    _ => PyOps.IsNumber(operand) ? (operand is bool b ? (b ? 1L : 0L) : operand)
                        : operand is Undefined u ? throw u.Fail()
                        : throw new TemplateRenderException($"bad operand type for unary +: '{PyFormat.TypeName(operand)}'", "TypeError"),
                };
            case BinaryExpr { Op: "and" } and:
                var left = Evaluate(and.Left, scope);
                return PyOps.IsTrue(left) ? Evaluate(and.Right, scope) : left;
            case BinaryExpr { Op: "or" } or:
                var first = Evaluate(or.Left, scope);
                return PyOps.IsTrue(first) ? first : Evaluate(or.Right, scope);
            case BinaryExpr binary: return PyOps.Binary(binary.Op, Evaluate(binary.Left, scope), Evaluate(binary.Right, scope));
            case CompareExpr compare: return EvaluateCompare(compare, scope);
            case ConcatExpr concat:
                var sb = new StringBuilder();
                foreach (var part in concat.Parts) sb.Append(PyFormat.Str(Evaluate(part, scope)));
                return sb.ToString();
            case ConditionalExpr conditional:
                if (PyOps.IsTrue(Evaluate(conditional.Condition, scope))) return Evaluate(conditional.Then, scope);
                return conditional.Else != null ? Evaluate(conditional.Else, scope)
                    : new Undefined($"the inline if-expression on line {conditional.Line} evaluated to false and no else section was defined.");
            default:
                throw new TemplateRenderException($"cannot evaluate {expr.GetType().Name}", "TemplateError", expr.Line);
        }
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
