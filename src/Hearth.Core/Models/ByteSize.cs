using System.Globalization;

namespace Hearth.Core.Models;

/// <summary>Human byte sizes both ways: "1.2 GB" for people, "20GB" / "500MiB" / "1048576" from settings.</summary>
public static class ByteSize
{
    static readonly string[] Units = ["B", "KB", "MB", "GB", "TB"];

    public static string Format(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1000 && unit < Units.Length - 1) { value /= 1000; unit++; }
        return unit == 0 ? $"{bytes} B" : value.ToString(value < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " " + Units[unit];
    }

    public static long Parse(string text)
    {
        var s = text.Trim().Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        var split = 0;
        while (split < s.Length && (char.IsDigit(s[split]) || s[split] == '.')) split++;
        if (split == 0 || !double.TryParse(s[..split], NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            throw new FormatException($"'{text}' is not a size; write for example 500MB, 20GB or 1.5GiB.");
        long scale = s[split..] switch
        {
            "" or "B" => 1,
            "K" or "KB" => 1000, "KIB" => 1L << 10,
            "M" or "MB" => 1000_000, "MIB" => 1L << 20,
            "G" or "GB" => 1000_000_000, "GIB" => 1L << 30,
            "T" or "TB" => 1000_000_000_000, "TIB" => 1L << 40,
            _ => throw new FormatException($"'{text}' has an unknown unit; use B, KB, MB, GB, TB or KiB, MiB, GiB, TiB."),
        };
        return (long)(number * scale);
    }
}
