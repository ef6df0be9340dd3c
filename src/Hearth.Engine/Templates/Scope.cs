namespace Hearth.Engine.Templates;

/// <summary>
/// Variables visible at one point of a render. As in jinja2, each for-loop iteration, macro call and with-block gets
/// a child scope: `set` inside it does not leak out (which is why templates use namespace()).
/// </summary>
sealed class Scope
{
    readonly Scope? parent;
    readonly Dictionary<string, object?> variables;

    public Scope(Scope? parent, Dictionary<string, object?>? initial = null)
    {
        this.parent = parent;
        variables = initial ?? [];
    }

    public bool TryGet(string name, out object? value)
    {
        for (var scope = this; scope != null; scope = scope.parent)
            if (scope.variables.TryGetValue(name, out value)) return true;
        value = null;
        return false;
    }

    public void Set(string name, object? value) => variables[name] = value;
}
