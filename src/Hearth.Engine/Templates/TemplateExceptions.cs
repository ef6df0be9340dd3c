namespace Hearth.Engine.Templates;

/// <summary>The template text is malformed; Line and Column (1-based) point at the offending token.</summary>
public sealed class TemplateSyntaxException : Exception
{
    public int Line { get; }
    public int Column { get; }

    public TemplateSyntaxException(string message, int line, int column)
        : base($"{message} (line {line}, column {column})")
    {
        Line = line;
        Column = column;
        Reason = message;
    }

    /// <summary>The message without the position suffix.</summary>
    public string Reason { get; }
}

/// <summary>Rendering failed: an undefined value was used, a type did not support an operation, a limit was hit...</summary>
public class TemplateRenderException : Exception
{
    /// <summary>The template line being rendered when the error happened (1-based), or 0 when unknown.</summary>
    public int Line { get; internal set; }

    /// <summary>The name of the exception Python's jinja2 raises in the same situation (UndefinedError, TypeError, ...).</summary>
    public string Kind { get; }

    public TemplateRenderException(string message, string kind = "TemplateError", int line = 0) : base(message)
    {
        Kind = kind;
        Line = line;
    }
}

/// <summary>The template itself called <c>raise_exception(message)</c>; Message is exactly the template's text.</summary>
public sealed class TemplateRaisedException : TemplateRenderException
{
    public TemplateRaisedException(string message, int line = 0) : base(message, "TemplateError", line) { }
}
