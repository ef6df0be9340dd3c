namespace Hearth.Engine.Tools;

/// <summary>
/// Follows JSON text one character at a time, just enough to know where a value ends and whether a position is
/// inside a string: nesting depth, string and escape state. It does not validate; <see cref="ToolCallJson"/> does.
/// </summary>
struct JsonScanner
{
    int depth;
    bool inString;
    bool escaped;

    /// <summary>True while the last character fed was inside a string literal (or its closing quote is still to come).</summary>
    public readonly bool InString => inString;

    /// <summary>Feeds one character; true when it closed the outermost object or array.</summary>
    public bool Feed(char c)
    {
        if (inString)
        {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') inString = false;
            return false;
        }
        switch (c)
        {
            case '"': inString = true; return false;
            case '{' or '[': depth++; return false;
            case '}' or ']': return --depth == 0;
            default: return false;
        }
    }
}
