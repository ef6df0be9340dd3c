using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Hearth.Core.Models;

/// <summary>
/// Reads a <c>keep_alive</c> as Ollama does: a number of seconds (<c>300</c>), a duration (<c>"5m"</c>, <c>"1h30m"</c>,
/// <c>"250ms"</c>), <c>0</c> to unload right after the request, or any negative value to keep the model loaded.
/// </summary>
public static partial class KeepAlive
{
    public static TimeSpan Parse(string text)
    {
        var s = text.Trim();
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            return FromSeconds(seconds);
        var match = Duration().Match(s);
        if (!match.Success || match.Length == 0)
            throw new FormatException($"keep_alive '{text}' is not a duration; use seconds (300), \"5m\", \"1h30m\", 0 or -1.");
        var sign = match.Groups["sign"].Value == "-" ? -1 : 1;
        var total = TimeSpan.Zero;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unit = Unit().Match(part.Value);
            var value = double.Parse(unit.Groups["n"].Value, CultureInfo.InvariantCulture);
            total += unit.Groups["u"].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(value),
                "s" => TimeSpan.FromSeconds(value),
                "m" => TimeSpan.FromMinutes(value),
                _ => TimeSpan.FromHours(value),
            };
        }
        return sign < 0 ? Timeout.InfiniteTimeSpan : total;
    }

    /// <summary>A JSON <c>keep_alive</c> value: number or string; null when absent.</summary>
    public static TimeSpan? Parse(JsonElement? value) => value?.ValueKind switch
    {
        null or JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.Number => FromSeconds(value.Value.GetDouble()),
        JsonValueKind.String => Parse(value.Value.GetString()!),
        _ => throw new FormatException("keep_alive must be a number of seconds or a duration string such as \"5m\"."),
    };

    static TimeSpan FromSeconds(double seconds) => seconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds);

    [GeneratedRegex(@"^(?<sign>-)?(?<part>\d+(\.\d+)?(ms|h|m|s))+$")]
    private static partial Regex Duration();

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<u>ms|h|m|s)$")]
    private static partial Regex Unit();
}
