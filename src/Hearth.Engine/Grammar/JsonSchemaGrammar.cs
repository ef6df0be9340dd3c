using System.Globalization;
using System.Text.Json;

namespace Hearth.Engine.Grammar;

/// <summary>
/// Compiles a JSON schema into a <see cref="Grammar"/> whose sentences are JSON texts valid against the schema.
/// Supported: type (one or a list), properties / required / additionalProperties, enum, const, items / prefixItems /
/// minItems / maxItems, minLength / maxLength, pattern (a regex subset), format (date, time, date-time, uuid, email,
/// ipv4, hostname, uri), minimum for non-negative numbers, anyOf, a single-entry allOf, and $ref within the document
/// (recursion included). Annotations (title, description, default, examples, ...) are ignored. Any other keyword is
/// refused with <see cref="UnsupportedSchemaException"/> naming it.
/// Properties are produced in the schema's order: required ones always, optional ones maybe; no extra properties.
/// </summary>
public static class JsonSchemaGrammar
{
    /// <summary>Compiles schema text; <see cref="InvalidSchemaException"/> when it is not JSON.</summary>
    public static Grammar Compile(string schemaJson)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(schemaJson); }
        catch (JsonException e) { throw new InvalidSchemaException("#", $"the schema is not valid JSON: {e.Message}"); }
        using (doc) return Compile(doc.RootElement);
    }

    public static Grammar Compile(JsonElement schema) => new SchemaCompiler(schema).Run();

    /// <summary>Any JSON object (OpenAI's response_format json_object).</summary>
    public static Grammar AnyObject() => Wrap(JsonGrammar.AnyObject);

    /// <summary>Any JSON value.</summary>
    public static Grammar AnyValue() => Wrap(JsonGrammar.Value);

    static Grammar Wrap(Func<GrammarBuilder, int> value)
    {
        var g = new GrammarBuilder();
        var root = g.NewRule();
        var ws = JsonGrammar.Space(g);
        g.Define(root, [ws, value(g), ws]);
        return g.Build(root);
    }
}

internal sealed class SchemaCompiler(JsonElement root, GrammarBuilder? builder = null)
{
    static readonly HashSet<string> Annotations =
        ["title", "description", "$schema", "$id", "$comment", "default", "examples", "deprecated", "readOnly", "writeOnly", "$defs", "definitions"];
    static readonly HashSet<string> ObjectKeywords = ["properties", "required", "additionalProperties"];
    static readonly HashSet<string> ArrayKeywords = ["items", "prefixItems", "minItems", "maxItems", "uniqueItems"];
    static readonly HashSet<string> StringKeywords = ["minLength", "maxLength", "pattern", "format"];
    static readonly HashSet<string> NumberKeywords = ["minimum", "exclusiveMinimum"];
    static readonly string[] AllTypes = ["object", "array", "string", "number", "integer", "boolean", "null"];

    readonly GrammarBuilder _g = builder ?? new();
    readonly Dictionary<string, int> _refs = [];

    public Grammar Run()
    {
        var rootRule = _g.NewRule();
        var ws = JsonGrammar.Space(_g);
        _g.Define(rootRule, [ws, .. Value(root, "#"), ws]);
        return _g.Build(rootRule);
    }

    /// <summary>The schema's values as a sequence in the builder given (no whitespace around), to embed in a larger grammar.</summary>
    public int[] Embed() => Value(root, "#");

    int Ws => JsonGrammar.Space(_g);

    int[] Value(JsonElement schema, string path)
    {
        if (schema.ValueKind == JsonValueKind.True) return [JsonGrammar.Value(_g)];
        if (schema.ValueKind == JsonValueKind.False) throw new InvalidSchemaException(path, "the schema 'false' allows no value.");
        if (schema.ValueKind != JsonValueKind.Object) throw new InvalidSchemaException(path, "a schema must be an object or a boolean.");

        var keywords = new Dictionary<string, JsonElement>();
        foreach (var p in schema.EnumerateObject())
            if (!Annotations.Contains(p.Name)) keywords[p.Name] = p.Value;

        if (keywords.TryGetValue("$ref", out var reference))
        {
            Only(keywords, "$ref");
            if (reference.ValueKind != JsonValueKind.String) throw new InvalidSchemaException(path + "/$ref", "must be a string.");
            return [Ref(reference.GetString()!)];
        }
        if (keywords.TryGetValue("anyOf", out var anyOf))
        {
            Only(keywords, "anyOf");
            var branches = Subschemas(anyOf, path + "/anyOf");
            return [_g.Rule(branches.Select((b, i) => Value(b, $"{path}/anyOf/{i}")).ToArray())];
        }
        if (keywords.ContainsKey("oneOf")) throw new UnsupportedSchemaException("oneOf", "generation can't ensure that exactly one branch matches; use anyOf.");
        if (keywords.TryGetValue("allOf", out var allOf))
        {
            Only(keywords, "allOf");
            var parts = Subschemas(allOf, path + "/allOf");
            if (parts.Count != 1) throw new UnsupportedSchemaException("allOf", "only a single subschema (as in allOf: [{$ref}]) is supported.");
            return Value(parts[0], path + "/allOf/0");
        }

        var types = Types(keywords, path);
        if (keywords.TryGetValue("const", out var constant))
        {
            Only(keywords, "const", "type");
            return JsonLiteral(constant);
        }
        if (keywords.TryGetValue("enum", out var values))
        {
            Only(keywords, "enum", "type");
            if (values.ValueKind != JsonValueKind.Array) throw new InvalidSchemaException(path + "/enum", "must be an array.");
            var choices = values.EnumerateArray().Where(v => types is null || types.Contains(TypeOf(v)) || (TypeOf(v) == "integer" && types.Contains("number")))
                .Select(JsonLiteral).ToArray();
            if (choices.Length == 0) throw new InvalidSchemaException(path + "/enum", "no value of the enum has an allowed type.");
            return [_g.Rule(choices)];
        }

        types ??= InferTypes(keywords);
        foreach (var k in keywords.Keys)
        {
            if (k == "type") continue;
            var applies = types.Any(t => KeywordsOf(t).Contains(k));
            if (!applies)
                throw new UnsupportedSchemaException(k, types.Length == AllTypes.Length ? "this keyword is not supported." : $"it does not apply to type {string.Join("/", types)}, or is not supported.");
        }
        if (types.Length == AllTypes.Length && keywords.Count == 0) return [JsonGrammar.Value(_g)];
        var alternatives = types.Select(t => TypeValue(t, keywords, path)).ToArray();
        return alternatives.Length == 1 ? alternatives[0] : [_g.Rule(alternatives)];
    }

    static HashSet<string> KeywordsOf(string type) => type switch
    {
        "object" => ObjectKeywords,
        "array" => ArrayKeywords,
        "string" => StringKeywords,
        "number" or "integer" => NumberKeywords,
        _ => [],
    };

    static string[] InferTypes(Dictionary<string, JsonElement> keywords)
    {
        var inferred = AllTypes.Where(t => keywords.Keys.Any(k => KeywordsOf(t).Contains(k))).ToArray();
        return inferred.Length > 0 ? inferred.Where(t => t != "integer" || !inferred.Contains("number")).ToArray() : AllTypes;
    }

    string[]? Types(Dictionary<string, JsonElement> keywords, string path)
    {
        if (!keywords.TryGetValue("type", out var type)) return null;
        var names = type.ValueKind switch
        {
            JsonValueKind.String => [type.GetString()!],
            JsonValueKind.Array when type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String) => type.EnumerateArray().Select(t => t.GetString()!).ToArray(),
            _ => throw new InvalidSchemaException(path + "/type", "must be a type name or an array of them."),
        };
        foreach (var n in names)
            if (!AllTypes.Contains(n)) throw new InvalidSchemaException(path + "/type", $"'{n}' is not a JSON schema type.");
        if (names.Length == 0) throw new InvalidSchemaException(path + "/type", "the list of types is empty.");
        return names.Distinct().ToArray();
    }

    int[] TypeValue(string type, Dictionary<string, JsonElement> k, string path) => type switch
    {
        "object" => Object(k, path),
        "array" => Array(k, path),
        "string" => String(k, path),
        "number" => [Minimum(k, path, integer: false) ? JsonGrammar.NonNegativeNumber(_g) : JsonGrammar.Number(_g)],
        "integer" => Integer(k, path),
        "boolean" => [_g.Rule(_g.Literal("true"), _g.Literal("false"))],
        _ => _g.Literal("null"),
    };

    int[] Object(Dictionary<string, JsonElement> k, string path)
    {
        var properties = new List<(string Name, JsonElement Schema)>();
        if (k.TryGetValue("properties", out var props))
        {
            if (props.ValueKind != JsonValueKind.Object) throw new InvalidSchemaException(path + "/properties", "must be an object.");
            foreach (var p in props.EnumerateObject()) properties.Add((p.Name, p.Value));
        }
        var required = new HashSet<string>();
        if (k.TryGetValue("required", out var req))
        {
            if (req.ValueKind != JsonValueKind.Array || req.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
                throw new InvalidSchemaException(path + "/required", "must be an array of property names.");
            foreach (var r in req.EnumerateArray()) required.Add(r.GetString()!);
        }
        k.TryGetValue("additionalProperties", out var additional);
        var closed = additional.ValueKind == JsonValueKind.False;
        foreach (var name in required)
        {
            if (properties.Any(p => p.Name == name)) continue;
            if (closed) throw new InvalidSchemaException(path + "/required", $"'{name}' is required but not allowed (additionalProperties is false).");
            properties.Add((name, additional.ValueKind == JsonValueKind.Object ? additional : default));
        }

        var ws = Ws;
        var open = _g.Byte((byte)'{');
        var close = _g.Byte((byte)'}');
        if (properties.Count == 0)
        {
            if (closed) return [open, ws, close];
            if (additional.ValueKind != JsonValueKind.Object) return [JsonGrammar.AnyObject(_g)];
            // a map: any keys, every value following additionalProperties
            var value = _g.Rule(Value(additional, path + "/additionalProperties"));
            int[] member = [JsonGrammar.String(_g), ws, _g.Byte((byte)':'), ws, value];
            return [open, ws, _g.Optional([.. member, _g.Star([ws, _g.Byte((byte)','), ws, .. member]), ws]), close];
        }

        // one rule per property's "key: value", then the tails: Tail(i, comma) = properties i.. given whether one came before
        var members = properties.Select(p =>
        {
            var schema = p.Schema.ValueKind == JsonValueKind.Undefined ? JsonDocument.Parse("true").RootElement : p.Schema;
            var key = JsonSerializer.Serialize(p.Name);
            return _g.Rule([.. _g.Literal(key), ws, _g.Byte((byte)':'), ws, .. Value(schema, $"{path}/properties/{p.Name}")]);
        }).ToArray();
        var tails = new Dictionary<(int, bool), int>();
        int Tail(int i, bool comma)
        {
            if (tails.TryGetValue((i, comma), out var rule)) return rule;
            int[] separator = comma ? [ws, _g.Byte((byte)','), ws] : [];
            int[][] alternatives = i == properties.Count ? [[]]
                : required.Contains(properties[i].Name) ? [[.. separator, members[i], Tail(i + 1, true)]]
                : [[.. separator, members[i], Tail(i + 1, true)], [Tail(i + 1, comma)]];
            return tails[(i, comma)] = _g.Rule(alternatives);
        }
        return [open, ws, Tail(0, false), ws, close];
    }

    int[] Array(Dictionary<string, JsonElement> k, string path)
    {
        var min = Count(k, "minItems", path) ?? 0;
        var max = Count(k, "maxItems", path);
        if (max < min) throw new InvalidSchemaException(path + "/maxItems", "is below minItems.");
        if (k.TryGetValue("uniqueItems", out var unique) && unique.ValueKind != JsonValueKind.False)
            throw new UnsupportedSchemaException("uniqueItems", "generation can't ensure items differ.");

        var fixedItems = new List<int[]>();
        if (k.TryGetValue("prefixItems", out var prefix))
        {
            var list = Subschemas(prefix, path + "/prefixItems");
            for (var i = 0; i < list.Count; i++) fixedItems.Add([_g.Rule(Value(list[i], $"{path}/prefixItems/{i}"))]);
            if (max < fixedItems.Count) throw new UnsupportedSchemaException("prefixItems", "maxItems is below the number of prefixItems.");
        }
        k.TryGetValue("items", out var items);
        int[]? extra = items.ValueKind switch
        {
            JsonValueKind.False => null,
            JsonValueKind.Undefined or JsonValueKind.True => [JsonGrammar.Value(_g)],
            _ => [_g.Rule(Value(items, path + "/items"))],
        };
        var extraMin = Math.Max(0, min - fixedItems.Count);
        int? extraMax = max is { } m ? m - fixedItems.Count : null;
        if (extra is null)
        {
            if (extraMin > 0) throw new InvalidSchemaException(path + "/minItems", "asks for more items than items: false allows.");
            extraMax = 0;
        }

        var ws = Ws;
        int[] separator = [ws, _g.Byte((byte)','), ws];
        var open = _g.Byte((byte)'[');
        var close = _g.Byte((byte)']');
        if (fixedItems.Count > 0)
        {
            var body = new List<int>(fixedItems[0]);
            foreach (var item in fixedItems.Skip(1)) body.AddRange([.. separator, .. item]);
            if (extra is not null && extraMax != 0) body.AddRange(_g.Repeat([.. separator, .. extra], extraMin, extraMax));
            return [open, ws, .. body, ws, close];
        }
        if (extraMax == 0) return [open, ws, close];
        int[] elements = [.. extra!, .. _g.Repeat([.. separator, .. extra!], Math.Max(0, extraMin - 1), extraMax - 1)];
        return extraMin > 0 ? [open, ws, .. elements, ws, close] : [open, ws, _g.Optional([.. elements, ws]), close];
    }

    int[] String(Dictionary<string, JsonElement> k, string path)
    {
        var minLength = Count(k, "minLength", path);
        var maxLength = Count(k, "maxLength", path);
        var hasLength = minLength is not null || maxLength is not null;
        if (k.TryGetValue("format", out var format))
        {
            if (format.ValueKind != JsonValueKind.String) throw new InvalidSchemaException(path + "/format", "must be a string.");
            var name = format.GetString()!;
            var pattern = StringFormats.Pattern(name)
                ?? throw new UnsupportedSchemaException("format", $"format '{name}' is not supported (supported: {string.Join(", ", StringFormats.Supported)}).");
            if (k.ContainsKey("pattern")) throw new UnsupportedSchemaException("pattern", "pattern together with format is not supported.");
            if (hasLength) throw new UnsupportedSchemaException(minLength is not null ? "minLength" : "maxLength", "length limits together with format are not supported.");
            return JsonGrammar.Quoted(_g, RegexGrammar.Compile(_g, pattern, "format"));
        }
        if (k.TryGetValue("pattern", out var regex))
        {
            if (regex.ValueKind != JsonValueKind.String) throw new InvalidSchemaException(path + "/pattern", "must be a string.");
            if (hasLength) throw new UnsupportedSchemaException(minLength is not null ? "minLength" : "maxLength", "length limits together with pattern are not supported.");
            return JsonGrammar.Quoted(_g, RegexGrammar.Compile(_g, regex.GetString()!));
        }
        if (!hasLength) return [JsonGrammar.String(_g)];
        if (maxLength < minLength) throw new InvalidSchemaException(path + "/maxLength", "is below minLength.");
        if (maxLength > 100_000) throw new UnsupportedSchemaException("maxLength", "at most 100000 is supported.");
        return JsonGrammar.Quoted(_g, _g.Repeat([JsonGrammar.Char(_g)], minLength ?? 0, maxLength));
    }

    int[] Integer(Dictionary<string, JsonElement> k, string path)
    {
        if (!Minimum(k, path, integer: true)) return [JsonGrammar.Integer(_g)];
        var positive = k.TryGetValue("exclusiveMinimum", out _) || k["minimum"].GetDouble() > 0;
        return positive ? [_g.Range((byte)'1', (byte)'9'), _g.Star([_g.Range((byte)'0', (byte)'9')])] : [JsonGrammar.Natural(_g)];
    }

    // true when the value must be at least 0 (or above 0 / at least 1 for integers); other bounds are refused
    static bool Minimum(Dictionary<string, JsonElement> k, string path, bool integer)
    {
        if (k.TryGetValue("exclusiveMinimum", out var exclusive))
        {
            if (k.ContainsKey("minimum")) throw new UnsupportedSchemaException("exclusiveMinimum", "together with minimum is not supported.");
            if (!integer || exclusive.ValueKind != JsonValueKind.Number || exclusive.GetDouble() != 0)
                throw new UnsupportedSchemaException("exclusiveMinimum", "only exclusiveMinimum: 0 on integers is supported.");
            return true;
        }
        if (!k.TryGetValue("minimum", out var minimum)) return false;
        if (minimum.ValueKind != JsonValueKind.Number) throw new InvalidSchemaException(path + "/minimum", "must be a number.");
        var v = minimum.GetDouble();
        if (v <= 0 || (integer && v == 1)) return true;
        throw new UnsupportedSchemaException("minimum", integer ? "only minimum of at most 0, or 1, is supported." : "only a minimum of at most 0 is supported.");
    }

    static int? Count(Dictionary<string, JsonElement> k, string keyword, string path)
    {
        if (!k.TryGetValue(keyword, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n) || n < 0)
            throw new InvalidSchemaException($"{path}/{keyword}", "must be a non-negative integer.");
        return n;
    }

    int Ref(string reference)
    {
        if (_refs.TryGetValue(reference, out var rule)) return GrammarBuilder.Ref(rule);
        var target = Resolve(reference);
        rule = _g.NewRule();
        _refs[reference] = rule;
        _g.Define(rule, Value(target, reference));
        return GrammarBuilder.Ref(rule);
    }

    JsonElement Resolve(string reference)
    {
        if (!reference.StartsWith('#')) throw new UnsupportedSchemaException("$ref", $"'{reference}' is not within the document (only '#...' references are supported).");
        var node = root;
        var pointer = Uri.UnescapeDataString(reference[1..]);
        if (pointer.Length == 0) return node;
        if (!pointer.StartsWith('/')) throw new UnsupportedSchemaException("$ref", $"'{reference}' is not a JSON pointer ('#/$defs/Name').");
        foreach (var raw in pointer[1..].Split('/'))
        {
            var part = raw.Replace("~1", "/").Replace("~0", "~");
            if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(part, out var child)) node = child;
            else if (node.ValueKind == JsonValueKind.Array && int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < node.GetArrayLength()) node = node[i];
            else throw new InvalidSchemaException("$ref", $"'{reference}' points to nothing in the schema.");
        }
        return node;
    }

    static List<JsonElement> Subschemas(JsonElement list, string path)
    {
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0) throw new InvalidSchemaException(path, "must be a non-empty array of schemas.");
        return list.EnumerateArray().ToList();
    }

    static void Only(Dictionary<string, JsonElement> keywords, params string[] allowed)
    {
        foreach (var k in keywords.Keys)
            if (!allowed.Contains(k)) throw new UnsupportedSchemaException(k, $"'{k}' beside '{allowed[0]}' is not supported.");
    }

    // The compact JSON text of a value, as literal bytes.
    int[] JsonLiteral(JsonElement value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            value.WriteTo(writer);
        return buffer.ToArray().Select(_g.Byte).ToArray();
    }

    static string TypeOf(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => v.TryGetInt64(out _) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };
}
