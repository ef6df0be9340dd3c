using System.Runtime.CompilerServices;
using System.Text;

namespace Hearth.Engine.Templates;

/// <summary>
/// Walks the syntax tree for one render: statements write to the output (this file), expressions produce values
/// (Interpreter.Expressions.cs). Counts output, loop iterations and call depth so hostile templates stop with an error.
/// </summary>
sealed partial class Interpreter(TemplateContext limits)
{
    enum Flow { Normal, Break, Continue }

    long produced;
    long iterations;
    int callDepth;

    public string Run(List<Node> body, Dictionary<string, object?> globals)
    {
        var output = new StringBuilder();
        try
        {
            Execute(body, new Scope(new Scope(null, globals)), output);
        }
        catch (TemplateRenderException) { throw; }
        catch (InsufficientExecutionStackException)
        {
            throw new TemplateRenderException("template nests too deeply", "RecursionError");
        }
        catch (Exception e) when (e is InvalidCastException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or NullReferenceException or FormatException or OverflowException)
        {
            throw new TemplateRenderException($"{e.GetType().Name}: {e.Message}", "InternalError");
        }
        return output.ToString();
    }

    Flow Execute(List<Node> nodes, Scope scope, StringBuilder output)
    {
        foreach (var node in nodes)
        {
            Flow flow;
            try { flow = Execute(node, scope, output); }
            catch (TemplateRenderException e) when (e.Line == 0) { e.Line = node.Line; throw; }
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    Flow Execute(Node node, Scope scope, StringBuilder output)
    {
        switch (node)
        {
            case TextNode text: Write(output, text.Text); break;
            case OutputNode print: Write(output, PyFormat.Str(Evaluate(print.Value, scope))); break;
            case IfNode branch:
                foreach (var (condition, body) in branch.Branches)
                    if (PyOps.IsTrue(Evaluate(condition, scope))) return Execute(body, scope, output);
                if (branch.Else != null) return Execute(branch.Else, scope, output);
                break;
            case ForNode loop: ExecuteFor(loop, scope, output); break;
            case SetNode set: Assign(set.Target, Evaluate(set.Value, scope), scope); break;
            case SetBlockNode setBlock:
                Assign(setBlock.Target, ApplyFilters(setBlock.Filters, RenderToString(setBlock.Body, new Scope(scope)), scope), scope);
                break;
            case MacroNode macro: scope.Set(macro.Name, new Macro(macro.Name, macro.Parameters, macro.Body, scope)); break;
            case CallBlockNode call:
                var caller = new Macro("caller", call.Parameters, call.Body, scope);
                var callee = Evaluate(call.Call.Callee, scope);
                var args = EvaluateArguments(call.Call.Args, scope);
                args.Named.Add(("caller", caller));
                Write(output, PyFormat.Str(Invoke(callee, args, call.Line)));
                break;
            case FilterBlockNode filter:
                Write(output, PyFormat.Str(ApplyFilters(filter.Filters, RenderToString(filter.Body, new Scope(scope)), scope)));
                break;
            case WithNode with:
                var inner = new Scope(scope);
                var values = with.Assignments.Select(a => Evaluate(a.Value, scope)).ToList();
                for (int i = 0; i < values.Count; i++) Assign(with.Assignments[i].Target, values[i], inner);
                return Execute(with.Body, inner, output);
            case BreakNode: return Flow.Break;
            case ContinueNode: return Flow.Continue;
            default: throw new TemplateRenderException($"cannot execute {node.GetType().Name}");
        }
        return Flow.Normal;
    }

    void ExecuteFor(ForNode loop, Scope scope, StringBuilder output) =>
        RunLoop(loop, Evaluate(loop.Iterable, scope), scope, output, 0);

    /// <summary>One pass of a for loop; a `recursive` loop calls this again through loop(children), one level deeper.</summary>
    void RunLoop(ForNode loop, object? iterable, Scope scope, StringBuilder output, int depth)
    {
        var items = PyOps.ToList(iterable);
        if (loop.Filter != null)
        {
            items = items.Where(item =>
            {
                var filterScope = new Scope(scope);
                Assign(loop.Target, item, filterScope);
                return PyOps.IsTrue(Evaluate(loop.Filter, filterScope));
            }).ToList();
        }
        if (items.Count == 0)
        {
            if (loop.Else != null) Execute(loop.Else, scope, output);
            return;
        }
        var context = new LoopContext(items, depth);
        if (loop.Recursive)
        {
            context.Recurse = args =>
            {
                if (++callDepth > limits.MaxCallDepth)
                    throw new TemplateRenderException($"recursive loop nested deeper than {limits.MaxCallDepth}", "RecursionError", loop.Line);
                try
                {
                    var nested = new StringBuilder();
                    RunLoop(loop, args.Get(0, "iterable"), scope, nested, depth + 1);
                    return nested.ToString();
                }
                finally { callDepth--; }
            };
        }
        for (int i = 0; i < items.Count; i++)
        {
            if (++iterations > limits.MaxLoopIterations)
                throw new TemplateRenderException($"more than {limits.MaxLoopIterations} loop iterations", "LimitError", loop.Line);
            context.Index0 = i;
            var iteration = new Scope(scope);
            Assign(loop.Target, items[i], iteration);
            iteration.Set("loop", context);
            if (Execute(loop.Body, iteration, output) == Flow.Break) break;
        }
    }

    void Assign(Target target, object? value, Scope scope)
    {
        switch (target)
        {
            case NameTarget name: scope.Set(name.Name, value); break;
            case AttributeTarget attribute:
                if (!scope.TryGet(attribute.Object, out var owner) || owner is not Namespace ns)
                    throw new TemplateRenderException("cannot assign attribute on non-namespace object", "TemplateRuntimeError", attribute.Line);
                ns.Attributes[attribute.Attribute] = value;
                break;
            case TupleTarget tuple:
                var items = PyOps.ToList(value);
                if (items.Count != tuple.Items.Count)
                    throw new TemplateRenderException(items.Count < tuple.Items.Count
                        ? $"not enough values to unpack (expected {tuple.Items.Count}, got {items.Count})"
                        : $"too many values to unpack (expected {tuple.Items.Count})", "ValueError", tuple.Line);
                for (int i = 0; i < items.Count; i++) Assign(tuple.Items[i], items[i], scope);
                break;
        }
    }

    string RenderToString(List<Node> body, Scope scope)
    {
        var buffer = new StringBuilder();
        Execute(body, scope, buffer);
        return buffer.ToString();
    }

    public string RenderMacroBody(List<Node> body, Scope scope, int line)
    {
        if (++callDepth > limits.MaxCallDepth)
            throw new TemplateRenderException($"macro calls nested deeper than {limits.MaxCallDepth}", "RecursionError", line);
        RuntimeHelpers.EnsureSufficientExecutionStack();
        try { return RenderToString(body, scope); }
        finally { callDepth--; }
    }

    void Write(StringBuilder output, string text)
    {
        produced += text.Length;
        if (produced > limits.MaxOutputLength)
            throw new TemplateRenderException($"template output exceeds {limits.MaxOutputLength} characters", "LimitError");
        output.Append(text);
    }
}
