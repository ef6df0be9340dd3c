using System.Text;
using System.Text.Json;
using Hearth.Engine.Grammar;

namespace Hearth.Engine.Tests.Grammar;

/// <summary>The schema compiler and the byte automaton: what a grammar accepts, what it refuses, and what it won't compile.</summary>
public class GrammarTests
{
    internal static bool Accepts(Hearth.Engine.Grammar.Grammar grammar, string text)
    {
        var automaton = new GrammarAutomaton(grammar);
        var state = automaton.Start;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            state = automaton.Next(state, b);
            if (state == GrammarAutomaton.Dead) return false;
        }
        return automaton.IsComplete(state);
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"]}""",
        """{"name":"Ann","age":42}""", """{ "name": "Bo", "age": -3 }""", """{"name":"x","age":1.5}|{"age":1,"name":"x"}|{"name":"x"}|{"name":"x","age":1,"z":2}""")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"boolean"},"b":{"type":"null"}}}""",
        """{}""", """{"b":null}""", """{"a":1}|{"b":null,"a":true}""")]
    [InlineData("""{"enum":["red","green",3,null]}""", "\"red\"", "null", "\"blue\"|4|\"Red\"")]
    [InlineData("""{"const":{"k":[1,2]}}""", """{"k":[1,2]}""", """{"k":[1,2]}""", """{"k":[1,2,3]}|{"k":[2,1]}""")]
    [InlineData("""{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":3}""", "[1,2]", "[1, 2, 3]", "[1]|[1,2,3,4]|[]|[1,\"a\"]")]
    [InlineData("""{"type":"array","items":{"type":"number"}}""", "[]", "[1.5e3,-0.25,0]", "[01]|[1.]|[.5]|[1,]")]
    [InlineData("""{"type":"string","format":"date"}""", "\"2024-02-28\"", "\"1999-12-31\"", "\"2024-02-30\"|\"2024-13-01\"|\"24-01-01\"")]
    [InlineData("""{"type":"string","format":"uuid"}""", "\"123e4567-e89b-12d3-a456-426614174000\"", "\"00000000-0000-0000-0000-000000000000\"", "\"123e4567e89b12d3a456426614174000\"")]
    [InlineData("""{"type":"string","pattern":"^[A-Z]{2}-\\d{3}$"}""", "\"AB-123\"", "\"ZZ-000\"", "\"AB-12\"|\"ab-123\"|\"AB-1234\"")]
    [InlineData("""{"type":"string","minLength":2,"maxLength":3}""", "\"ab\"", "\"a\\\"é\"", "\"a\"|\"abcd\"")]
    [InlineData("""{"anyOf":[{"type":"integer"},{"type":"string","enum":["n/a"]}]}""", "7", "\"n/a\"", "\"x\"|7.5")]
    [InlineData("""{"type":["string","null"]}""", "null", "\"\\u00e9\\n\"", "1|true")]
    [InlineData("""{"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"next":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]}},"required":["v","next"]}}}""",
        """{"v":1,"next":{"v":2,"next":null}}""", """{"v":1,"next":null}""", """{"v":1}|{"v":1,"next":{"v":2}}""")]
    [InlineData("""{"type":"integer","minimum":0}""", "0", "105", "-1|01")]
    [InlineData("""{"type":"object","additionalProperties":{"type":"integer"}}""", "{}", """{"x":1,"y":2}""", """{"x":"1"}""")]
    [InlineData("""{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}""", """["a",1]""", """[ "b" , 2 ]""", """["a"]|[1,"a"]|["a",1,2]""")]
    public void A_schema_grammar_accepts_valid_text_and_refuses_the_rest(string schema, string valid1, string valid2, string invalid)
    {
        var grammar = JsonSchemaGrammar.Compile(schema);
        Assert.True(Accepts(grammar, valid1), valid1);
        Assert.True(Accepts(grammar, valid2), valid2);
        foreach (var bad in invalid.Split('|')) Assert.False(Accepts(grammar, bad), bad);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"a\":[1,{\"b\":null}],\"c\":\"d\"}")]
    [InlineData(" { \"x\" : true } ")]
    public void Json_object_mode_accepts_any_object(string text)
    {
        Assert.True(Accepts(JsonSchemaGrammar.AnyObject(), text));
        Assert.False(Accepts(JsonSchemaGrammar.AnyObject(), "[1]"));
        Assert.False(Accepts(JsonSchemaGrammar.AnyObject(), "{\"a\":}"));
    }

    [Theory]
    [InlineData("""{"type":"string","format":"ipv6"}""", "format")]
    [InlineData("""{"oneOf":[{"type":"string"}]}""", "oneOf")]
    [InlineData("""{"type":"integer","maximum":5}""", "maximum")]
    [InlineData("""{"type":"object","properties":{"a":{"not":{}}}}""", "not")]
    [InlineData("""{"type":"array","uniqueItems":true}""", "uniqueItems")]
    [InlineData("""{"type":"string","pattern":"(?=a)b"}""", "pattern")]
    [InlineData("""{"type":"string","pattern":"(a)\\1"}""", "pattern")]
    [InlineData("""{"type":"object","patternProperties":{"a":{}}}""", "patternProperties")]
    [InlineData("""{"$ref":"https://example.com/schema"}""", "$ref")]
    [InlineData("""{"type":"object","properties":{"self":{"$ref":"#"}},"required":["self"]}""", "$ref")]
    public void An_unsupported_keyword_is_refused_by_name(string schema, string keyword)
    {
        var e = Assert.Throws<UnsupportedSchemaException>(() => JsonSchemaGrammar.Compile(schema));
        Assert.Equal(keyword, e.Keyword);
        Assert.Contains(keyword, e.Message);
    }

    [Theory]
    [InlineData("""{"type":"strin"}""")]
    [InlineData("""{"$ref":"#/$defs/missing"}""")]
    [InlineData("""{"type":"array","minItems":3,"maxItems":1}""")]
    [InlineData("""{"type":"object""")]
    public void A_malformed_schema_is_an_invalid_schema_exception(string schema) =>
        Assert.Throws<InvalidSchemaException>(() => JsonSchemaGrammar.Compile(schema));

    [Fact]
    public void Distance_to_completion_counts_the_fewest_bytes()
    {
        var grammar = JsonSchemaGrammar.Compile("""{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}""");
        var automaton = new GrammarAutomaton(grammar);
        Assert.Equal("{\"a\":\"\"}".Length, automaton.Distance(automaton.Start));
        var state = automaton.Start;
        foreach (var b in "{\"a\":\"xy"u8) state = automaton.Next(state, b);
        Assert.Equal(2, automaton.Distance(state));
        Assert.False(automaton.IsComplete(state));
    }
}
