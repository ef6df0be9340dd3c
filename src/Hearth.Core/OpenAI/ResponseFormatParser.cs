using System.Text.Json;
using System.Text.RegularExpressions;
using Hearth.Engine.Grammar;
using Microsoft.Extensions.AI;

namespace Hearth.Core.OpenAI;

/// <summary>
/// OpenAI's <c>response_format</c>: <c>{"type":"text"}</c>, <c>{"type":"json_object"}</c> or
/// <c>{"type":"json_schema","json_schema":{"name","schema","strict","description"}}</c>. A schema is compiled here, so a
/// keyword the grammar can't enforce is a 400 naming it before any model is loaded.
/// </summary>
public static partial class ResponseFormatParser
{
    public static ChatResponseFormat Parse(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Object || !v.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            throw ApiException.InvalidType("response_format", "an object with a 'type'");
        foreach (var p in v.EnumerateObject())
        {
            if (p.Name is not ("type" or "json_schema")) throw ApiException.Unsupported("response_format." + p.Name, "this server does not support it.");
        }
        switch (type.GetString())
        {
            case "text": return ChatResponseFormat.Text;
            case "json_object": return ChatResponseFormat.Json;
            case "json_schema":
                if (!v.TryGetProperty("json_schema", out var spec) || spec.ValueKind != JsonValueKind.Object)
                    throw ApiException.InvalidRequest("Missing required parameter: 'response_format.json_schema'.", "response_format", "missing_required_parameter");
                return JsonSchema(spec);
            case var other:
                throw ApiException.InvalidValue("response_format", $"type '{other}' is not one of text, json_object, json_schema.");
        }
    }

    static ChatResponseFormat JsonSchema(JsonElement spec)
    {
        string? name = null, description = null;
        JsonElement? schema = null;
        foreach (var p in spec.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Null) continue;
            switch (p.Name)
            {
                case "name": name = ChatRequestParser.String(p.Value, "response_format.json_schema.name"); break;
                case "description": description = ChatRequestParser.String(p.Value, "response_format.json_schema.description"); break;
                case "strict": ChatRequestParser.Bool(p.Value, "response_format.json_schema.strict"); break; // always strict: the grammar enforces the schema
                case "schema":
                    if (p.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.True))
                        throw ApiException.InvalidType("response_format.json_schema.schema", "a JSON schema object");
                    schema = p.Value.Clone();
                    break;
                default: throw ApiException.Unsupported("response_format.json_schema." + p.Name, "this server does not support it.");
            }
        }
        if (name is null) throw ApiException.InvalidRequest("Missing required parameter: 'response_format.json_schema.name'.", "response_format", "missing_required_parameter");
        if (!NamePattern().IsMatch(name))
            throw ApiException.InvalidValue("response_format", "json_schema.name must be 1 to 64 letters, digits, underscores or dashes.");
        if (schema is { } s) Check(s, "response_format");
        return new ChatResponseFormatJson(schema, name, description);
    }

    /// <summary>Compiles a schema to see that it can be enforced; a 400 on <paramref name="param"/> naming the keyword otherwise.</summary>
    public static void Check(JsonElement schema, string param)
    {
        try { JsonSchemaGrammar.Compile(schema); }
        catch (UnsupportedSchemaException e) { throw ApiException.Unsupported(param, e.Message); }
        catch (InvalidSchemaException e) { throw ApiException.InvalidValue(param, e.Message); }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex NamePattern();
}
