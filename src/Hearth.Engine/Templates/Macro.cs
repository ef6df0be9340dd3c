namespace Hearth.Engine.Templates;

/// <summary>A {% macro %} (or the body of a {% call %} block): called like a function, returns its rendered text.</summary>
sealed class Macro(string name, List<MacroParameter> parameters, List<Node> body, Scope closure) : Callable
{
    public override string Name => name;

    public override object? Invoke(Interpreter interpreter, CallArguments args, int line)
    {
        var scope = new Scope(closure);
        var extraPositional = new List<object?>();
        var extraNamed = new PyDict();
        for (int i = 0; i < args.Positional.Count; i++)
        {
            if (i < parameters.Count) scope.Set(parameters[i].Name, args.Positional[i]);
            else extraPositional.Add(args.Positional[i]);
        }
        foreach (var (argName, value) in args.Named)
        {
            int index = parameters.FindIndex(p => p.Name == argName);
            if (index < 0) { if (argName == "caller") scope.Set("caller", value); else extraNamed[argName] = value; continue; }
            if (index < args.Positional.Count) throw new TemplateRenderException($"macro '{name}' got multiple values for argument '{argName}'", "TypeError", line);
            scope.Set(argName, value);
        }
        // Defaults are evaluated at call time, in the macro's scope, so they can refer to earlier parameters.
        for (int i = args.Positional.Count; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (args.Named.Any(a => a.Name == p.Name)) continue;
            scope.Set(p.Name, p.Default != null ? interpreter.Evaluate(p.Default, scope) : new Undefined($"parameter '{p.Name}' was not provided"));
        }
        scope.Set("varargs", extraPositional.ToArray());
        scope.Set("kwargs", extraNamed);
        return interpreter.RenderMacroBody(body, scope, line);
    }
}
