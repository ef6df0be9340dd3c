namespace Hearth.Engine.Templates;

// The syntax tree. Statements render output; expressions produce values. Every node remembers its template line
// so render errors can say where they happened.

abstract record Node(int Line);

// ---- statements ----
sealed record TextNode(int Line, string Text) : Node(Line);
sealed record OutputNode(int Line, Expr Value) : Node(Line);
sealed record IfNode(int Line, List<(Expr Condition, List<Node> Body)> Branches, List<Node>? Else) : Node(Line);
sealed record ForNode(int Line, Target Target, Expr Iterable, Expr? Filter, List<Node> Body, List<Node>? Else, bool Recursive) : Node(Line);
sealed record SetNode(int Line, Target Target, Expr Value) : Node(Line);
sealed record SetBlockNode(int Line, Target Target, List<FilterExpr> Filters, List<Node> Body) : Node(Line);
sealed record MacroNode(int Line, string Name, List<MacroParameter> Parameters, List<Node> Body) : Node(Line);
sealed record CallBlockNode(int Line, CallExpr Call, List<MacroParameter> Parameters, List<Node> Body) : Node(Line);
sealed record FilterBlockNode(int Line, List<FilterExpr> Filters, List<Node> Body) : Node(Line);
sealed record WithNode(int Line, List<(Target Target, Expr Value)> Assignments, List<Node> Body) : Node(Line);
sealed record BreakNode(int Line) : Node(Line);
sealed record ContinueNode(int Line) : Node(Line);

sealed record MacroParameter(string Name, Expr? Default);

// ---- assignment targets ----
abstract record Target(int Line);
sealed record NameTarget(int Line, string Name) : Target(Line);
sealed record AttributeTarget(int Line, string Object, string Attribute) : Target(Line);
sealed record TupleTarget(int Line, List<Target> Items) : Target(Line);

// ---- expressions ----
abstract record Expr(int Line) : Node(Line);
sealed record ConstExpr(int Line, object? Value) : Expr(Line);
sealed record NameExpr(int Line, string Name) : Expr(Line);
sealed record ListExpr(int Line, List<Expr> Items) : Expr(Line);
sealed record TupleExpr(int Line, List<Expr> Items) : Expr(Line);
sealed record DictExpr(int Line, List<(Expr Key, Expr Value)> Pairs) : Expr(Line);
sealed record AttributeExpr(int Line, Expr Object, string Name) : Expr(Line);
sealed record ItemExpr(int Line, Expr Object, Expr Index) : Expr(Line);
sealed record SliceExpr(int Line, Expr Object, Expr? Start, Expr? Stop, Expr? Step) : Expr(Line);
sealed record CallExpr(int Line, Expr Callee, Arguments Args) : Expr(Line);
sealed record FilterExpr(int Line, Expr? Value, string Name, Arguments Args) : Expr(Line);
sealed record TestExpr(int Line, Expr Value, string Name, Arguments Args, bool Negated) : Expr(Line);
sealed record UnaryExpr(int Line, string Op, Expr Operand) : Expr(Line);
sealed record BinaryExpr(int Line, string Op, Expr Left, Expr Right) : Expr(Line);
sealed record CompareExpr(int Line, Expr First, List<(string Op, Expr Right)> Rest) : Expr(Line);
sealed record ConcatExpr(int Line, List<Expr> Parts) : Expr(Line);
sealed record ConditionalExpr(int Line, Expr Condition, Expr Then, Expr? Else) : Expr(Line);

/// <summary>Call arguments as written: positional expressions and name=value pairs.</summary>
sealed record Arguments(List<Expr> Positional, List<(string Name, Expr Value)> Named)
{
    public static Arguments None { get; } = new([], []);
}
