using System.Globalization;

namespace Hearth.Engine.Tokenization;

/// <summary>
/// Unicode general category of a codepoint as llama.cpp's pre-tokenizers see it (unicode.h's
/// <c>unicode_cpt_flags</c>): one category bit plus a whitespace bit. Categories come from .NET's
/// Unicode tables; whitespace is the Unicode White_Space property, as in llama.cpp's generated data.
/// </summary>
[Flags]
enum CodepointFlags : ushort
{
    None = 0,          // only for "outside the text"
    Undefined = 0x0001,
    Number = 0x0002,
    Letter = 0x0004,
    Separator = 0x0008,
    AccentMark = 0x0010,
    Punctuation = 0x0020,
    Symbol = 0x0040,
    Control = 0x0080,
    Whitespace = 0x0100,
}

static class Codepoints
{
    const int AsciiCount = 128;
    static readonly CodepointFlags[] Ascii = BuildAscii();

    public static CodepointFlags Flags(int cpt)
    {
        if ((uint)cpt < AsciiCount) return Ascii[cpt];
        return Compute(cpt);
    }

    public static bool IsWhitespace(int cpt) => cpt switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    static CodepointFlags[] BuildAscii()
    {
        var table = new CodepointFlags[AsciiCount];
        for (int c = 0; c < AsciiCount; c++) table[c] = Compute(c);
        return table;
    }

    static CodepointFlags Compute(int cpt)
    {
        if ((uint)cpt > 0x10FFFF) return CodepointFlags.Undefined;
        var category = (uint)cpt is >= 0xD800 and <= 0xDFFF
            ? UnicodeCategory.Surrogate
            : CharUnicodeInfo.GetUnicodeCategory(cpt);
        var flags = category switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CodepointFlags.Letter,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => CodepointFlags.AccentMark,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CodepointFlags.Number,
            UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => CodepointFlags.Separator,
            UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation => CodepointFlags.Punctuation,
            UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol => CodepointFlags.Symbol,
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse => CodepointFlags.Control,
            _ => CodepointFlags.Undefined,
        };
        if (IsWhitespace(cpt)) flags |= CodepointFlags.Whitespace;
        return flags;
    }

    /// <summary>
    /// The codepoints of a string; lone surrogates become U+FFFD, as they would after UTF-8 encoding
    /// (and as llama.cpp's decoder turns invalid UTF-8 into U+FFFD).
    /// </summary>
    public static int[] FromString(ReadOnlySpan<char> text)
    {
        var result = new int[text.Length];
        int n = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                result[n++] = char.ConvertToUtf32(c, text[i + 1]);
                i++;
            }
            else result[n++] = char.IsSurrogate(c) ? 0xFFFD : c;
        }
        return n == result.Length ? result : result[..n];
    }

    /// <summary>The text with every lone surrogate replaced by U+FFFD (what UTF-8 encoding would do).</summary>
    public static string ReplaceLoneSurrogates(string text)
    {
        int i = 0;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (!char.IsSurrogate(c)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            break;
        }
        if (i >= text.Length) return text;
        var chars = text.ToCharArray();
        for (; i < chars.Length; i++)
        {
            char c = chars[i];
            if (!char.IsSurrogate(c)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) { i++; continue; }
            chars[i] = '\uFFFD';
        }
        return new string(chars);
    }
}
