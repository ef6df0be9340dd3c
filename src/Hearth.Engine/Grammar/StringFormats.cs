namespace Hearth.Engine.Grammar;

/// <summary>
/// JSON schema string formats, as patterns for <see cref="RegexGrammar"/>. Each produces a subset of the strings the
/// format allows (for example no February 29th, lowercase hex in UUIDs), so every output passes a strict validator.
/// </summary>
internal static class StringFormats
{
    const string Date = "[1-9][0-9]{3}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))";
    const string Time = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])";
    const string Octet = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
    const string Label = "[a-z][a-z0-9]{0,19}"; // a letter first: never read as a number or an IP address

    static readonly Dictionary<string, string> Patterns = new()
    {
        ["date"] = Date,
        ["time"] = Time,
        ["date-time"] = Date + "T" + Time,
        ["uuid"] = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        ["email"] = "[A-Za-z0-9_+-]{1,20}(\\.[A-Za-z0-9_+-]{1,20})*@" + Label + "(\\." + Label + ")*\\.[a-z]{2,6}",
        ["ipv4"] = Octet + "(\\." + Octet + "){3}",
        ["hostname"] = Label + "(\\." + Label + ")*",
        ["uri"] = "https?://" + Label + "(\\." + Label + ")*(/[A-Za-z0-9._~-]*)*",
    };

    public static IEnumerable<string> Supported => Patterns.Keys;

    public static string? Pattern(string format) => Patterns.GetValueOrDefault(format);
}
