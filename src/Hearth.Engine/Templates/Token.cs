namespace Hearth.Engine.Templates;

enum TokenKind { Data, VariableBegin, VariableEnd, BlockBegin, BlockEnd, Name, String, Integer, Float, Operator, Eof }

/// <summary>One lexer token. Value holds the decoded literal for String/Integer/Float tokens.</summary>
readonly record struct Token(TokenKind Kind, string Text, int Line, int Column, object? Value = null)
{
    public bool Is(TokenKind kind, string text) => Kind == kind && Text == text;
    public bool IsOperator(string op) => Kind == TokenKind.Operator && Text == op;
    public bool IsName(string name) => Kind == TokenKind.Name && Text == name;

    /// <summary>jinja2's describe_token, for messages: names and operators as written, other kinds by name.</summary>
    public string Describe() => "'" + (Kind switch
    {
        TokenKind.Name or TokenKind.Operator => Text,
        _ => DescribeKind(Kind),
    }) + "'";

    public static string DescribeKind(TokenKind kind) => kind switch
    {
        TokenKind.Eof => "end of template",
        TokenKind.Data => "template data",
        TokenKind.BlockBegin => "begin of statement block",
        TokenKind.BlockEnd => "end of statement block",
        TokenKind.VariableBegin => "begin of print statement",
        TokenKind.VariableEnd => "end of print statement",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
