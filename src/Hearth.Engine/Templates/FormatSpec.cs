using System.Globalization;
using System.Text;

namespace Hearth.Engine.Templates;

/// <summary>Python's format-spec mini-language ([[fill]align][sign][#][0][width][,][.precision][type]) for str.format and %.</summary>
static class FormatSpec
{
    public static string Apply(object? value, string spec)
    {
        if (spec.Length == 0) return PyFormat.Str(value);
        int i = 0;
        char fill = ' ', align = '\0', sign = '-';
        if (spec.Length >= 2 && spec[1] is '<' or '>' or '^' or '=') { fill = spec[0]; align = spec[1]; i = 2; }
        else if (spec[0] is '<' or '>' or '^' or '=') { align = spec[0]; i = 1; }
        if (i < spec.Length && spec[i] is '+' or '-' or ' ') sign = spec[i++];
        if (i < spec.Length && spec[i] == '#') i++;
        if (i < spec.Length && spec[i] == '0') { if (align == '\0') { fill = '0'; align = '='; } i++; }
        int width = ReadInt(spec, ref i) ?? 0;
        bool grouping = false;
        if (i < spec.Length && spec[i] is ',' or '_') { grouping = true; i++; }
        int? precision = null;
        if (i < spec.Length && spec[i] == '.') { i++; precision = ReadInt(spec, ref i); }
        char type = i < spec.Length ? spec[i++] : '\0';
        if (i != spec.Length) throw new TemplateRenderException("Invalid format specifier", "ValueError");

        string body;
        bool numeric = PyOps.IsNumber(value);
        if (value is string s)
        {
            if (type is not ('\0' or 's')) throw new TemplateRenderException($"Unknown format code '{type}' for object of type 'str'", "ValueError");
            body = precision is int p && p < s.Length ? s[..p] : s;
            if (align == '\0') align = '<';
        }
        else if (numeric)
        {
            body = FormatNumber(value, type, precision, grouping);
            if (sign != '-' && !body.StartsWith('-')) body = sign + body;
            if (align == '\0') align = '>';
        }
        else
        {
            body = PyFormat.Str(value);
            if (align == '\0') align = '<';
        }
        return Pad(body, width, fill, align);
    }

    static string FormatNumber(object? value, char type, int? precision, bool grouping)
    {
        var inv = CultureInfo.InvariantCulture;
        bool isInt = PyOps.IsInteger(value);
        switch (type)
        {
            case 'd' when isInt:
                return grouping ? PyOps.ToLong(value).ToString("#,0", inv) : PyOps.ToLong(value).ToString(inv);
            case 'x': case 'X': case 'o': case 'b':
                if (!isInt) break;
                long n = PyOps.ToLong(value);
                string digits = type switch { 'x' => Convert.ToString(Math.Abs(n), 16), 'X' => Convert.ToString(Math.Abs(n), 16).ToUpperInvariant(), 'o' => Convert.ToString(Math.Abs(n), 8), _ => Convert.ToString(Math.Abs(n), 2) };
                return (n < 0 ? "-" : "") + digits;
            case 'f': case 'F':
                return PyOps.ToDouble(value).ToString((grouping ? "#,0." : "0.") + new string('0', precision ?? 6), inv).TrimEnd('.');
            case 'e': case 'E':
                string e = PyOps.ToDouble(value).ToString((precision ?? 6) == 0 ? "0e+00" : "0." + new string('0', precision ?? 6) + "e+00", inv);
                return type == 'E' ? e.ToUpperInvariant() : e;
            case '%':
                return (PyOps.ToDouble(value) * 100).ToString("0." + new string('0', precision ?? 6), inv).TrimEnd('.') + "%";
            case 'g': case 'G': case '\0':
                if (isInt && precision == null) return grouping ? PyOps.ToLong(value).ToString("#,0", inv) : PyOps.ToLong(value).ToString(inv);
                if (precision == null) return value is double d ? PyFormat.Float(d) : PyOps.ToLong(value).ToString(inv);
                return PyOps.ToDouble(value).ToString("G" + Math.Max(1, precision.Value), inv);
        }
        throw new TemplateRenderException($"Unknown format code '{type}' for object of type '{PyFormat.TypeName(value)}'", "ValueError");
    }

    static int? ReadInt(string spec, ref int i)
    {
        int start = i;
        while (i < spec.Length && char.IsAsciiDigit(spec[i])) i++;
        if (i == start) return null;
        return int.TryParse(spec.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n
            : throw new TemplateRenderException("Too many decimal digits in format string", "ValueError");
    }

    static string Pad(string body, int width, char fill, char align)
    {
        PyOps.CheckLength(width);
        int total = width - body.Length;
        if (total <= 0) return body;
        var sb = new StringBuilder();
        switch (align)
        {
            case '<': sb.Append(body).Append(fill, total); break;
            case '>': sb.Append(fill, total).Append(body); break;
            case '^': sb.Append(fill, total / 2).Append(body).Append(fill, total - total / 2); break;
            default:
                int signLength = body.Length > 0 && body[0] is '-' or '+' or ' ' ? 1 : 0;
                sb.Append(body, 0, signLength).Append(fill, total).Append(body, signLength, body.Length - signLength);
                break;
        }
        return sb.ToString();
    }
}
