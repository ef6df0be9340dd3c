namespace Hearth.Engine.Templates;

// Expressions, lowest precedence first, exactly as jinja2 orders them:
// conditional (x if c else y) < or < and < not < comparisons (== != < <= > >= in, not in)
// < + - < ~ < * / // % < ** < unary - + < postfix (.attr [item] (call)) then filters (|f) and tests (is t).
sealed partial class Parser
{
    static readonly HashSet<string> CompareOps = ["==", "!=", "<", "<=", ">", ">="];

    /// <summary>Expressions separated by commas form a tuple (print statements, for iterables, set values).</summary>
    Expr ParseTuple(bool allowEmpty, bool withConditional = true)
    {
        int line = Current.Line;
        var items = new List<Expr>();
        bool sawComma = false;
        while (true)
        {
            if (items.Count > 0)
            {
                if (!Current.IsOperator(",")) break;
                Next();
                sawComma = true;
            }
            if (IsTupleEnd()) break;
            items.Add(withConditional ? ParseExpression() : ParseOr());
        }
        if (!sawComma)
        {
            if (items.Count == 1) return items[0];
            if (!allowEmpty) throw Error($"Expected an expression, got {Current.Describe()}");
        }
        return new TupleExpr(line, items);
    }

    bool IsTupleEnd() =>
        Current.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.Eof
        || Current.IsOperator(")") || Current.IsName("if") || Current.IsName("recursive");

    Expr ParseExpression()
    {
        Enter();
        var expr = ParseOr();
        if (Current.IsName("if"))
        {
            Next();
            var condition = ParseOr();
            Expr? otherwise = null;
            if (Current.IsName("else")) { Next(); otherwise = ParseExpression(); }
            expr = new ConditionalExpr(expr.Line, condition, expr, otherwise);
        }
        depth--;
        return expr;
    }

    Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or")) { Next(); left = new BinaryExpr(left.Line, "or", left, ParseAnd()); }
        return left;
    }

    Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and")) { Next(); left = new BinaryExpr(left.Line, "and", left, ParseNot()); }
        return left;
    }

    Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            var token = Next();
            Enter();
            var operand = ParseNot();
            depth--;
            return new UnaryExpr(token.Line, "not", operand);
        }
        return ParseCompare();
    }

    Expr ParseCompare()
    {
        var first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            if (Current.Kind == TokenKind.Operator && CompareOps.Contains(Current.Text))
            {
                var op = Next().Text;
                rest.Add((op, ParseMath1()));
            }
            else if (Current.IsName("in")) { Next(); rest.Add(("in", ParseMath1())); }
            else if (Current.IsName("not") && Peek().IsName("in")) { Next(); Next(); rest.Add(("not in", ParseMath1())); }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpr(first.Line, first, rest);
    }

    Expr ParseMath1()
    {
        var left = ParseConcat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            var op = Next().Text;
            left = new BinaryExpr(left.Line, op, left, ParseConcat());
        }
        return left;
    }

    Expr ParseConcat()
    {
        var first = ParseMath2();
        if (!Current.IsOperator("~")) return first;
        var parts = new List<Expr> { first };
        while (Current.IsOperator("~")) { Next(); parts.Add(ParseMath2()); }
        return new ConcatExpr(first.Line, parts);
    }

    Expr ParseMath2()
    {
        var left = ParsePow();
        while (Current.Kind == TokenKind.Operator && Current.Text is "*" or "/" or "//" or "%")
        {
            var op = Next().Text;
            left = new BinaryExpr(left.Line, op, left, ParsePow());
        }
        return left;
    }

    Expr ParsePow()
    {
        var left = ParseUnary(withFilter: true);
        while (Current.IsOperator("**"))
        {
            Next();
            left = new BinaryExpr(left.Line, "**", left, ParseUnary(withFilter: true));
        }
        return left;
    }

    Expr ParseUnary(bool withFilter)
    {
        Enter();
        Expr node;
        if (Current.IsOperator("-") || Current.IsOperator("+"))
        {
            var op = Next();
            node = new UnaryExpr(op.Line, op.Text, ParseUnary(withFilter: false));
        }
        else node = ParsePrimary();
        node = ParsePostfix(node);
        if (withFilter) node = ParseFilterAndTests(node);
        depth--;
        return node;
    }

    Expr ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Name:
                Next();
                return token.Text switch
                {
                    "true" or "True" => new ConstExpr(token.Line, true),
                    "false" or "False" => new ConstExpr(token.Line, false),
                    "none" or "None" => new ConstExpr(token.Line, null),
                    _ => new NameExpr(token.Line, token.Text),
                };
            case TokenKind.String:
                // Adjacent string literals concatenate, as in Python.
                var text = (string)Next().Value!;
                while (Current.Kind == TokenKind.String) text += (string)Next().Value!;
                return new ConstExpr(token.Line, text);
            case TokenKind.Integer:
            case TokenKind.Float:
                Next();
                return new ConstExpr(token.Line, token.Value);
            case TokenKind.Operator when token.Text == "(":
                Next();
                var inner = ParseTuple(allowEmpty: true);
                ExpectOperator(")");
                return inner;
            case TokenKind.Operator when token.Text == "[":
                Next();
                var items = new List<Expr>();
                while (!Current.IsOperator("]"))
                {
                    if (items.Count > 0) ExpectOperator(",");
                    if (Current.IsOperator("]")) break;
                    items.Add(ParseExpression());
                }
                Next();
                return new ListExpr(token.Line, items);
            case TokenKind.Operator when token.Text == "{":
                Next();
                var pairs = new List<(Expr, Expr)>();
                while (!Current.IsOperator("}"))
                {
                    if (pairs.Count > 0) ExpectOperator(",");
                    if (Current.IsOperator("}")) break;
                    var key = ParseExpression();
                    ExpectOperator(":");
                    pairs.Add((key, ParseExpression()));
                }
                Next();
                return new DictExpr(token.Line, pairs);
            default:
                throw Error($"unexpected {token.Describe()}");
        }
    }

    Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            if (Current.IsOperator("."))
            {
                Next();
                var name = Current;
                if (name.Kind == TokenKind.Name) { Next(); node = new AttributeExpr(node.Line, node, name.Text); }
                else if (name.Kind == TokenKind.Integer) { Next(); node = new ItemExpr(node.Line, node, new ConstExpr(name.Line, name.Value)); }
                else throw Error($"expected name or number after '.', got {name.Describe()}");
            }
            else if (Current.IsOperator("[")) { Next(); node = ParseSubscript(node); }
            else if (Current.IsOperator("(")) node = new CallExpr(node.Line, node, ParseCallArguments());
            else return node;
        }
    }

    Expr ParseSubscript(Expr target)
    {
        Expr? start = null, stop = null, step = null;
        if (Current.IsOperator("]"))
        {
            // obj[] indexes with an empty tuple in jinja2 (and finds nothing).
            Next();
            return new ItemExpr(target.Line, target, new TupleExpr(target.Line, []));
        }
        if (!Current.IsOperator(":")) start = ParseExpression();
        if (!Current.IsOperator(":"))
        {
            if (Current.IsOperator(","))
            {
                // obj[a, b] indexes with a tuple.
                var items = new List<Expr> { start! };
                while (Current.IsOperator(",")) { Next(); if (Current.IsOperator("]")) break; items.Add(ParseExpression()); }
                start = new TupleExpr(target.Line, items);
            }
            ExpectOperator("]");
            return new ItemExpr(target.Line, target, start!);
        }
        Next();
        if (!Current.IsOperator("]") && !Current.IsOperator(":")) stop = ParseExpression();
        if (Current.IsOperator(":"))
        {
            Next();
            if (!Current.IsOperator("]")) step = ParseExpression();
        }
        ExpectOperator("]");
        return new SliceExpr(target.Line, target, start, stop, step);
    }

    Arguments ParseCallArguments()
    {
        ExpectOperator("(");
        var positional = new List<Expr>();
        var named = new List<(string, Expr)>();
        while (!Current.IsOperator(")"))
        {
            if (positional.Count + named.Count > 0) ExpectOperator(",");
            if (Current.IsOperator(")")) break;
            if (Current.Kind == TokenKind.Name && Peek().IsOperator("="))
            {
                var name = Next().Text;
                Next();
                named.Add((name, ParseExpression()));
            }
            else
            {
                if (named.Count > 0) throw Error("Positional argument follows keyword argument");
                positional.Add(ParseExpression());
            }
        }
        Next();
        return new Arguments(positional, named);
    }

    Expr ParseFilterAndTests(Expr node)
    {
        while (true)
        {
            if (Current.IsOperator("|")) { Next(); node = ParseFilter(node); }
            else if (Current.IsName("is")) { Next(); node = ParseTest(node); }
            else if (Current.IsOperator("(")) node = new CallExpr(node.Line, node, ParseCallArguments());
            else return node;
        }
    }

    FilterExpr ParseFilter(Expr? value)
    {
        var nameToken = Expect(TokenKind.Name);
        string name = nameToken.Text;
        while (Current.IsOperator(".")) { Next(); name += "." + Expect(TokenKind.Name).Text; }
        var args = Current.IsOperator("(") ? ParseCallArguments() : Arguments.None;
        return new FilterExpr(nameToken.Line, value, name, args);
    }

    /// <summary>Filters of a block set or filter block: `| a | b(1)` (the first pipe optional for filter blocks).</summary>
    List<FilterExpr> ParseFilterChain(bool requireFirstPipe = true)
    {
        var filters = new List<FilterExpr>();
        if (!requireFirstPipe) filters.Add(ParseFilter(null));
        while (Current.IsOperator("|")) { Next(); filters.Add(ParseFilter(null)); }
        return filters;
    }

    Expr ParseTest(Expr value)
    {
        bool negated = false;
        if (Current.IsName("not")) { Next(); negated = true; }
        var nameToken = Expect(TokenKind.Name);
        string name = nameToken.Text;
        while (Current.IsOperator(".")) { Next(); name += "." + Expect(TokenKind.Name).Text; }
        Arguments args = Arguments.None;
        if (Current.IsOperator("(")) args = ParseCallArguments();
        else if (StartsTestArgument())
        {
            if (Current.IsName("is")) throw Error("You cannot chain multiple tests with is");
            var argument = ParsePostfix(ParsePrimary());
            args = new Arguments([argument], []);
        }
        return new TestExpr(nameToken.Line, value, name, args, negated);
    }

    /// <summary>`x is divisibleby 3`: a test may take one bare argument, unless the next word ends the expression.</summary>
    bool StartsTestArgument()
    {
        var t = Current;
        if (t.Kind is TokenKind.String or TokenKind.Integer or TokenKind.Float) return true;
        if (t.Kind == TokenKind.Operator) return t.Text is "(" or "[" or "{";
        return t.Kind == TokenKind.Name && t.Text is not ("else" or "or" or "and");
    }
}
