using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Hearth.Engine.Tests.Grammar;

/// <summary>
/// An independent JSON schema validator for the keywords the grammar compiler accepts (written from the spec, sharing
/// no code with the compiler), so generated output is checked against the schema itself. Returns the first error, or null.
/// </summary>
public static class SchemaValidator
{
    public static string? Validate(JsonElement schema, JsonElement value) => Check(schema, schema, value, "$");

    static string? Check(JsonElement root, JsonElement schema, JsonElement value, string at)
    {
        if (schema.ValueKind == JsonValueKind.True) return null;
        if (schema.ValueKind == JsonValueKind.False) return $"{at}: false schema";
        foreach (var k in schema.EnumerateObject())
        {
            var s = k.Value;
            var error = k.Name switch
            {
                "$ref" => Check(root, Resolve(root, s.GetString()!), value, at),
                "type" => TypeError(s, value, at),
                "const" => JsonEquals(s, value) ? null : $"{at}: not the const",
                "enum" => s.EnumerateArray().Any(e => JsonEquals(e, value)) ? null : $"{at}: not in enum",
                "anyOf" => s.EnumerateArray().Any(b => Check(root, b, value, at) is null) ? null : $"{at}: matches no anyOf branch",
                "allOf" => s.EnumerateArray().Select(b => Check(root, b, value, at)).FirstOrDefault(e => e is not null),
                "properties" when value.ValueKind == JsonValueKind.Object =>
                    s.EnumerateObject().Select(p => value.TryGetProperty(p.Name, out var v) ? Check(root, p.Value, v, $"{at}.{p.Name}") : null).FirstOrDefault(e => e is not null),
                "required" when value.ValueKind == JsonValueKind.Object =>
                    s.EnumerateArray().Select(r => r.GetString()!).FirstOrDefault(r => !value.TryGetProperty(r, out _)) is { } missing ? $"{at}: missing {missing}" : null,
                "additionalProperties" when value.ValueKind == JsonValueKind.Object => Additional(root, schema, s, value, at),
                "items" when value.ValueKind == JsonValueKind.Array =>
                    value.EnumerateArray().Select((v, i) => (v, i)).Skip(schema.TryGetProperty("prefixItems", out var pi) ? pi.GetArrayLength() : 0)
                        .Select(x => Check(root, s, x.v, $"{at}[{x.i}]")).FirstOrDefault(e => e is not null),
                "prefixItems" when value.ValueKind == JsonValueKind.Array =>
                    value.EnumerateArray().Zip(s.EnumerateArray()).Select((x, i) => Check(root, x.Second, x.First, $"{at}[{i}]")).FirstOrDefault(e => e is not null),
                "minItems" when value.ValueKind == JsonValueKind.Array => value.GetArrayLength() >= s.GetInt32() ? null : $"{at}: fewer than {s} items",
                "maxItems" when value.ValueKind == JsonValueKind.Array => value.GetArrayLength() <= s.GetInt32() ? null : $"{at}: more than {s} items",
                "minLength" when value.ValueKind == JsonValueKind.String => Length(value) >= s.GetInt32() ? null : $"{at}: shorter than {s}",
                "maxLength" when value.ValueKind == JsonValueKind.String => Length(value) <= s.GetInt32() ? null : $"{at}: longer than {s}",
                "pattern" when value.ValueKind == JsonValueKind.String =>
                    Regex.IsMatch(value.GetString()!, s.GetString()!, RegexOptions.ECMAScript) ? null : $"{at}: {value} does not match /{s.GetString()}/",
                "format" when value.ValueKind == JsonValueKind.String => FormatOk(s.GetString()!, value.GetString()!) ? null : $"{at}: {value} is not a {s.GetString()}",
                "minimum" when value.ValueKind == JsonValueKind.Number => value.GetDouble() >= s.GetDouble() ? null : $"{at}: below minimum",
                "exclusiveMinimum" when value.ValueKind == JsonValueKind.Number => value.GetDouble() > s.GetDouble() ? null : $"{at}: not above exclusiveMinimum",
                "uniqueItems" when s.ValueKind == JsonValueKind.True => throw new NotSupportedException("uniqueItems"),
                _ => null,
            };
            if (error is not null) return error;
        }
        return null;
    }

    static string? Additional(JsonElement root, JsonElement schema, JsonElement additional, JsonElement value, string at)
    {
        var declared = schema.TryGetProperty("properties", out var p) ? p.EnumerateObject().Select(x => x.Name).ToHashSet() : [];
        foreach (var member in value.EnumerateObject())
        {
            if (declared.Contains(member.Name)) continue;
            if (Check(root, additional, member.Value, $"{at}.{member.Name}") is { } error) return error;
        }
        return null;
    }

    static string? TypeError(JsonElement type, JsonElement value, string at)
    {
        var names = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToArray() : [type.GetString()!];
        return names.Any(n => HasType(n, value)) ? null : $"{at}: {value.ValueKind} is not {string.Join("/", names)}";
    }

    static bool HasType(string type, JsonElement value) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number && double.IsFinite(value.GetDouble()),
        "integer" => value.ValueKind == JsonValueKind.Number && double.IsFinite(value.GetDouble()) && Math.Floor(value.GetDouble()) == value.GetDouble(),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => throw new NotSupportedException(type),
    };

    static int Length(JsonElement s) => s.GetString()!.EnumerateRunes().Count();

    static bool FormatOk(string format, string s) => format switch
    {
        "date" => DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        "time" => Rfc3339("2000-01-01T" + s),
        "date-time" => Rfc3339(s),
        "uuid" => s.Length == 36 && Guid.TryParseExact(s, "D", out _),
        "email" => System.Net.Mail.MailAddress.TryCreate(s, out var mail) && mail.Address == s,
        "ipv4" => IPAddress.TryParse(s, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork && ip.ToString() == s,
        "hostname" => Uri.CheckHostName(s) == UriHostNameType.Dns,
        "uri" => Uri.TryCreate(s, UriKind.Absolute, out _),
        _ => throw new NotSupportedException(format),
    };

    static bool Rfc3339(string s) =>
        Regex.IsMatch(s, @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
        && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _);

    static bool JsonEquals(JsonElement a, JsonElement b) => JsonElement.DeepEquals(a, b);

    static JsonElement Resolve(JsonElement root, string reference)
    {
        var node = root;
        foreach (var part in reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
            node = node.ValueKind == JsonValueKind.Array ? node[int.Parse(part)] : node.GetProperty(part.Replace("~1", "/").Replace("~0", "~"));
        return node;
    }
}
