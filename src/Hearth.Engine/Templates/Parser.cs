using System.Runtime.CompilerServices;

namespace Hearth.Engine.Templates;

/// <summary>Builds the syntax tree from tokens: template structure ({% %} statements) here, expressions in ExpressionParser.cs.</summary>
sealed partial class Parser
{
    const int MaxNesting = 200;

    readonly List<Token> tokens;
    int index;
    int depth;
    int loopDepth;
    readonly Stack<string[]> openBlocks = new(); // end tags each open block waits for, for error messages // {% break %} and {% continue %} are only valid inside a for body (not inside a macro in it)

    Parser(List<Token> tokens) => this.tokens = tokens;

    public static List<Node> ParseTemplate(string source)
    {
        var parser = new Parser(Lexer.Tokenize(source));
        var body = parser.ParseBody([]);
        if (parser.Current.Kind != TokenKind.Eof) throw parser.Error($"unexpected {parser.Current.Describe()}");
        return body;
    }

    Token Current => tokens[index];
    Token Peek(int ahead = 1) => tokens[Math.Min(index + ahead, tokens.Count - 1)];
    Token Next() { var t = tokens[index]; if (index < tokens.Count - 1) index++; return t; }

    /// <summary>Parses nodes until a {% keyword %} from endKeywords (left unconsumed, positioned at the keyword) or Eof.</summary>
    List<Node> ParseBody(string[] endKeywords)
    {
        Enter();
        if (endKeywords.Length > 0) openBlocks.Push(endKeywords);
        var body = new List<Node>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Eof:
                    if (endKeywords.Length > 0) throw Error($"Unexpected end of template. {LookingFor()}");
                    depth--;
                    return body;
                case TokenKind.Data:
                    Next();
                    body.Add(new TextNode(token.Line, token.Text));
                    break;
                case TokenKind.VariableBegin:
                    Next();
                    var value = ParseTuple(allowEmpty: false);
                    Expect(TokenKind.VariableEnd);
                    body.Add(new OutputNode(token.Line, value));
                    break;
                case TokenKind.BlockBegin:
                    var keyword = Peek();
                    if (keyword.Kind == TokenKind.Name && endKeywords.Contains(keyword.Text))
                    {
                        Next();
                        depth--;
                        openBlocks.Pop();
                        return body;
                    }
                    Next();
                    body.Add(ParseStatement());
                    break;
                default:
                    throw Error($"unexpected {token.Describe()}");
            }
        }
    }

    /// <summary>"Jinja was looking for the following tags: 'endfor' or 'else'. The innermost block that needs to be closed is 'for'."</summary>
    string LookingFor()
    {
        var expected = openBlocks.Peek();
        string block = expected.First(k => k.StartsWith("end"))[3..];
        return $"Jinja was looking for the following tags: {string.Join(" or ", expected.Select(k => $"'{k}'"))}. The innermost block that needs to be closed is '{block}'.";
    }

    Node ParseStatement()
    {
        var keyword = Current;
        if (keyword.Kind != TokenKind.Name) throw Error("tag name expected");
        Next();
        return keyword.Text switch
        {
            "if" => ParseIf(keyword.Line),
            "for" => ParseFor(keyword.Line),
            "set" => ParseSet(keyword.Line),
            "macro" => ParseMacro(keyword.Line),
            "call" => ParseCallBlock(keyword.Line),
            "filter" => ParseFilterBlock(keyword.Line),
            "with" => ParseWith(keyword.Line),
            "generation" => ParseGeneration(keyword.Line),
            "break" or "continue" when loopDepth == 0 => throw Error($"'{keyword.Text}' outside of a loop", keyword),
            "break" => EndOfStatement(new BreakNode(keyword.Line)),
            "continue" => EndOfStatement(new ContinueNode(keyword.Line)),
            "elif" or "else" or "endif" or "endfor" or "endset" or "endmacro" or "endcall" or "endfilter" or "endwith" or "endgeneration"
                => throw Error($"Encountered unknown tag '{keyword.Text}'." + (openBlocks.Count > 0 ? " " + LookingFor() : ""), keyword),
            _ => throw Error($"Encountered unknown tag '{keyword.Text}'.", keyword),
        };
    }

    Node EndOfStatement(Node node)
    {
        Expect(TokenKind.BlockEnd);
        return node;
    }

    Node ParseIf(int line)
    {
        var branches = new List<(Expr, List<Node>)>();
        List<Node>? elseBody = null;
        var condition = ParseTuple(allowEmpty: false, withConditional: false);
        Expect(TokenKind.BlockEnd);
        while (true)
        {
            var body = ParseBody(["elif", "else", "endif"]);
            branches.Add((condition, body));
            var end = Next();
            if (end.Text == "elif")
            {
                condition = ParseTuple(allowEmpty: false, withConditional: false);
                Expect(TokenKind.BlockEnd);
                continue;
            }
            if (end.Text == "else")
            {
                Expect(TokenKind.BlockEnd);
                elseBody = ParseBody(["endif"]);
                Next();
            }
            Expect(TokenKind.BlockEnd);
            return new IfNode(line, branches, elseBody);
        }
    }

    Node ParseFor(int line)
    {
        var target = ParseAssignTarget(allowAttribute: false);
        ExpectName("in");
        var iterable = ParseTuple(allowEmpty: false, withConditional: false);
        Expr? filter = null;
        if (Current.IsName("if")) { Next(); filter = ParseExpression(); }
        bool recursive = false;
        if (Current.IsName("recursive")) { Next(); recursive = true; }
        Expect(TokenKind.BlockEnd);
        loopDepth++;
        var body = ParseBody(["endfor", "else"]);
        loopDepth--;
        List<Node>? elseBody = null;
        if (Next().Text == "else")
        {
            Expect(TokenKind.BlockEnd);
            elseBody = ParseBody(["endfor"]);
            Next();
        }
        Expect(TokenKind.BlockEnd);
        return new ForNode(line, target, iterable, filter, body, elseBody, recursive);
    }

    Node ParseSet(int line)
    {
        var target = ParseAssignTarget(allowAttribute: true);
        if (Current.IsOperator("="))
        {
            Next();
            var value = ParseTuple(allowEmpty: false);
            Expect(TokenKind.BlockEnd);
            return new SetNode(line, target, value);
        }
        var filters = ParseFilterChain();
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["endset"]);
        Next();
        Expect(TokenKind.BlockEnd);
        return new SetBlockNode(line, target, filters, body);
    }

    Node ParseMacro(int line)
    {
        string name = ExpectKind(TokenKind.Name).Text;
        var parameters = ParseParameters();
        Expect(TokenKind.BlockEnd);
        var body = ParseOutsideLoops(["endmacro"]);
        Next();
        SkipOptionalName(name);
        Expect(TokenKind.BlockEnd);
        return new MacroNode(line, name, parameters, body);
    }

    Node ParseCallBlock(int line)
    {
        var parameters = Current.IsOperator("(") ? ParseParameters() : [];
        var call = ParseExpression();
        if (call is not CallExpr callExpr) throw Error("Expected a call after 'call'");
        Expect(TokenKind.BlockEnd);
        var body = ParseOutsideLoops(["endcall"]);
        Next();
        Expect(TokenKind.BlockEnd);
        return new CallBlockNode(line, callExpr, parameters, body);
    }

    Node ParseFilterBlock(int line)
    {
        var filters = ParseFilterChain(requireFirstPipe: false);
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["endfilter"]);
        Next();
        Expect(TokenKind.BlockEnd);
        return new FilterBlockNode(line, filters, body);
    }

    Node ParseWith(int line)
    {
        var assignments = new List<(Target, Expr)>();
        while (Current.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0) ExpectOperator(",");
            var target = ParseAssignTarget(allowAttribute: false);
            ExpectOperator("=");
            assignments.Add((target, ParseExpression()));
        }
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["endwith"]);
        Next();
        Expect(TokenKind.BlockEnd);
        return new WithNode(line, assignments, body);
    }

    /// <summary>Hugging Face's {% generation %} marks assistant text for masks; for rendering it is transparent.</summary>
    Node ParseGeneration(int line)
    {
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(["endgeneration"]);
        Next();
        Expect(TokenKind.BlockEnd);
        return new WithNode(line, [], body);
    }

    List<Node> ParseOutsideLoops(string[] endKeywords)
    {
        int saved = loopDepth;
        loopDepth = 0;
        var body = ParseBody(endKeywords);
        loopDepth = saved;
        return body;
    }

    List<MacroParameter> ParseParameters()
    {
        ExpectOperator("(");
        var parameters = new List<MacroParameter>();
        while (!Current.IsOperator(")"))
        {
            if (parameters.Count > 0) ExpectOperator(",");
            if (Current.IsOperator(")")) break;
            var name = ExpectKind(TokenKind.Name).Text;
            Expr? defaultValue = null;
            if (Current.IsOperator("=")) { Next(); defaultValue = ParseExpression(); }
            else if (parameters.Count > 0 && parameters[^1].Default != null) throw Error("non-default argument follows default argument");
            parameters.Add(new MacroParameter(name, defaultValue));
        }
        Next();
        return parameters;
    }

    /// <summary>name, name.attr (only for set), or a, b for unpacking.</summary>
    Target ParseAssignTarget(bool allowAttribute)
    {
        var first = ParseSingleTarget(allowAttribute);
        if (!Current.IsOperator(",")) return first;
        var items = new List<Target> { first };
        while (Current.IsOperator(","))
        {
            Next();
            if (Current.Kind != TokenKind.Name) break;
            items.Add(ParseSingleTarget(allowAttribute: false));
        }
        return new TupleTarget(first.Line, items);
    }

    Target ParseSingleTarget(bool allowAttribute)
    {
        if (Current.IsOperator("("))
        {
            Next();
            var inner = ParseAssignTarget(allowAttribute: false);
            ExpectOperator(")");
            return inner;
        }
        var name = ExpectKind(TokenKind.Name);
        if (name.Text is "true" or "false" or "none" or "True" or "False" or "None")
            throw Error($"Can't assign to '{name.Text}'", name);
        if (allowAttribute && Current.IsOperator("."))
        {
            Next();
            var attribute = ExpectKind(TokenKind.Name).Text;
            return new AttributeTarget(name.Line, name.Text, attribute);
        }
        return new NameTarget(name.Line, name.Text);
    }

    void SkipOptionalName(string name)
    {
        if (Current.IsName(name)) Next();
    }

    void Enter()
    {
        if (++depth > MaxNesting || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw Error($"template nests deeper than {MaxNesting} levels");
    }

    Token Expect(TokenKind kind)
    {
        if (Current.Kind != kind)
        {
            throw Error($"expected token '{Token.DescribeKind(kind)}', got {Current.Describe()}");
        }
        return Next();
    }

    Token ExpectKind(TokenKind kind) => Expect(kind);

    void ExpectOperator(string op)
    {
        if (!Current.IsOperator(op)) throw Error($"expected token '{op}', got {Current.Describe()}");
        Next();
    }

    void ExpectName(string name)
    {
        if (!Current.IsName(name)) throw Error($"expected token '{name}', got {Current.Describe()}");
        Next();
    }

    TemplateSyntaxException Error(string message) => Error(message, Current);
    static TemplateSyntaxException Error(string message, Token at) => new(message, at.Line, at.Column);
}
