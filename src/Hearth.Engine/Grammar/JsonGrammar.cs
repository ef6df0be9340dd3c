namespace Hearth.Engine.Grammar;

/// <summary>
/// The pieces of JSON itself as grammar rules (RFC 8259 at the byte level): whitespace, strings (valid UTF-8 only),
/// numbers, literals, and "any value". Shared rules are made once per builder.
/// </summary>
internal static class JsonGrammar
{
    /// <summary>Whitespace between tokens, bounded as llama.cpp does: nothing, one space, or a newline and up to 20 spaces/tabs.</summary>
    public static int Space(GrammarBuilder g) => g.Shared("ws", g =>
        [[], [g.Byte((byte)' ')], [g.Byte((byte)'\n'), .. g.Repeat([g.Class(" \t"u8)], 0, 20)]]);

    /// <summary>One character of a JSON string's contents: an unescaped character or an escape.</summary>
    public static int Char(GrammarBuilder g) => g.Shared("char", g =>
    [
        [PlainAscii(g)],
        [g.Byte((byte)'\\'), g.Class("\"\\/bfnrt"u8)],
        [.. g.Literal("\\u00"), Hex(g), Hex(g)], // \u escapes up to U+00FF: never a lone surrogate
        [MultiByte(g)],
    ]);

    /// <summary>Printable ASCII but the quote and the backslash (and DEL), one byte.</summary>
    public static int PlainAscii(GrammarBuilder g)
    {
        Span<ulong> bits = stackalloc ulong[4];
        for (var b = 0x20; b < 0x7F; b++)
            if (b != '"' && b != '\\') bits[b >> 6] |= 1UL << (b & 63);
        return g.Class(bits);
    }

    public static int Hex(GrammarBuilder g) => g.Class("0123456789abcdefABCDEF"u8);

    /// <summary>A well-formed UTF-8 sequence of two to four bytes (no overlongs, no surrogates, nothing past U+10FFFF).</summary>
    public static int MultiByte(GrammarBuilder g) => g.Shared("utf8", g =>
    {
        var tail = g.Range(0x80, 0xBF);
        return
        [
            [g.Range(0xC2, 0xDF), tail],
            [g.Byte(0xE0), g.Range(0xA0, 0xBF), tail],
            [g.Range(0xE1, 0xEC), tail, tail],
            [g.Byte(0xED), g.Range(0x80, 0x9F), tail],
            [g.Range(0xEE, 0xEF), tail, tail],
            [g.Byte(0xF0), g.Range(0x90, 0xBF), tail, tail],
            [g.Range(0xF1, 0xF3), tail, tail, tail],
            [g.Byte(0xF4), g.Range(0x80, 0x8F), tail, tail],
        ];
    });

    public static int String(GrammarBuilder g) => g.Shared("string", g =>
        [[g.Byte((byte)'"'), g.Star([Char(g)]), g.Byte((byte)'"')]]);

    /// <summary>A quoted string whose contents are <paramref name="contents"/>.</summary>
    public static int[] Quoted(GrammarBuilder g, int[] contents) => [g.Byte((byte)'"'), .. contents, g.Byte((byte)'"')];

    /// <summary>Digits of a non-negative integer without leading zeros.</summary>
    public static int Natural(GrammarBuilder g) => g.Shared("natural", g =>
        [[g.Byte((byte)'0')], [g.Range((byte)'1', (byte)'9'), g.Star([g.Range((byte)'0', (byte)'9')])]]);

    public static int Integer(GrammarBuilder g) => g.Shared("integer", g =>
        [[g.Optional([g.Byte((byte)'-')]), Natural(g)]]);

    public static int Number(GrammarBuilder g) => g.Shared("number", g => [[Integer(g), Fraction(g), Exponent(g)]]);

    public static int NonNegativeNumber(GrammarBuilder g) => g.Shared("number>=0", g => [[Natural(g), Fraction(g), Exponent(g)]]);

    static int Fraction(GrammarBuilder g) => g.Shared("fraction", g =>
        [[], [g.Byte((byte)'.'), g.Range((byte)'0', (byte)'9'), g.Star([g.Range((byte)'0', (byte)'9')])]]);

    // at most two exponent digits: the number stays a finite double
    static int Exponent(GrammarBuilder g) => g.Shared("exponent", g =>
        [[], [g.Class("eE"u8), g.Optional([g.Class("+-"u8)]), g.Range((byte)'0', (byte)'9'), .. g.Repeat([g.Range((byte)'0', (byte)'9')], 0, 1)]]);

    public static int[] Literal(GrammarBuilder g, string text) => g.Literal(text);

    /// <summary>Any JSON value.</summary>
    public static int Value(GrammarBuilder g) => g.Shared("value", g =>
    [
        [AnyObject(g)], [AnyArray(g)], [String(g)], [Number(g)],
        g.Literal("true"), g.Literal("false"), g.Literal("null"),
    ]);

    /// <summary>Any JSON object (response_format json_object).</summary>
    public static int AnyObject(GrammarBuilder g) => g.Shared("object", g =>
    {
        var ws = Space(g);
        int[] member = [String(g), ws, g.Byte((byte)':'), ws, Value(g)];
        int[] more = [ws, g.Byte((byte)','), ws, .. member];
        return [[g.Byte((byte)'{'), ws, g.Optional([.. member, g.Star(more), ws]), g.Byte((byte)'}')]];
    });

    public static int AnyArray(GrammarBuilder g) => g.Shared("array", g =>
    {
        var ws = Space(g);
        int[] more = [ws, g.Byte((byte)','), ws, Value(g)];
        return [[g.Byte((byte)'['), ws, g.Optional([Value(g), g.Star(more), ws]), g.Byte((byte)']')]];
    });
}
