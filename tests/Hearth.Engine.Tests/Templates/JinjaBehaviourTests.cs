using System.Text.Json;
using Hearth.Engine.Templates;

namespace Hearth.Engine.Tests.Templates;

/// <summary>
/// Interpreter behaviour piece by piece. Each expected string is what Python's jinja2 3.1 renders for the same
/// template and variables (sandboxed, trim_blocks, lstrip_blocks, loopcontrols, tojson = json.dumps(ensure_ascii=False)).
/// </summary>
public class JinjaBehaviourTests
{
    const string Variables = """
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "  Hi ünï 🙂  \n"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "function": {"name": "f", "arguments": {"a": 1, "b": "ü"}}}]}, {"role": "tool", "content": "{\"t\": 18}"}], "n": 3, "f": 2.5, "s": "Hello World", "d": {"b": 2, "a": 1}, "l": [3, 1, 2], "e": [], "nothing": null, "tree": [{"name": "a", "children": [{"name": "b", "children": []}, {"name": "c", "children": [{"name": "d"}]}]}, {"name": "e"}]}
        """;

    static string Render(string template)
    {
        var variables = JsonDocument.Parse(Variables).RootElement.EnumerateObject()
            .ToDictionary(p => p.Name, p => (object?)p.Value);
        return ChatTemplate.Parse(template).Render(new TemplateContext { Variables = variables });
    }

    /// <summary>loop variables, for-else, loop filters, break/continue, per-iteration scope, namespace().</summary>
    [Theory]
    [InlineData("{% for m in messages %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.length }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }};{% endfor %}", "1/0/4/4/3/True/False;2/1/4/3/2/False/False;3/2/4/2/1/False/False;4/3/4/1/0/False/True;")]
    [InlineData("{% for m in messages %}{{ loop.previtem.role if loop.previtem is defined else '^' }}>{{ m.role }}>{{ loop.nextitem.role if loop.nextitem is defined else '$' }} {% endfor %}", "^>system>user system>user>assistant user>assistant>tool assistant>tool>$ ")]
    [InlineData("{% for x in e %}never{% else %}empty{% endfor %}|{% for x in l %}{{ x }}{% else %}never{% endfor %}", "empty|312")]
    [InlineData("{% for x in [1, 2, 3, 4, 5] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", "13")]
    [InlineData("{% for x in l if x > 1 %}{{ loop.index }}:{{ x }}/{{ loop.length }} {% endfor %}", "1:3/2 2:2/2 ")]
    [InlineData("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k in d %}{{ k }}{% endfor %}{% for c in 'ab' %}[{{ c }}]{% endfor %}", "b=2;a=1;ba[a][b]")]
    [InlineData("{% for a, b in [[1, 2], [3, 4]] %}{{ a * b }} {% endfor %}", "2 12 ")]
    [InlineData("{% for i in [1, 2] %}{% for j in 'ab' %}{{ loop.index }}{{ j }}{% endfor %}{{ loop.index }} {% endfor %}", "1a2b1 1a2b2 ")]
    [InlineData("{% for x in l %}{{ loop.cycle('odd', 'even') }} {% endfor %}", "odd even odd ")]
    [InlineData("{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}", "12121")]
    [InlineData("{% set ns = namespace(total=0, seen=false) %}{% for i in range(4) %}{% set ns.total = ns.total + i %}{% set ns.seen = true %}{% endfor %}{{ ns.total }} {{ ns.seen }}", "6 True")]
    [InlineData("{{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ range(5, 0, -2)|list }}", "[0, 1, 2] [1, 3, 5] [5, 3, 1]")]
    [InlineData("{% for m in messages[::-1] %}{{ m.role[0] }}{% endfor %}", "taus")]
    [InlineData("{% for item in tree recursive %}{{ loop.depth }}{{ item.name }}{% if item.children %}[{{ loop(item.children) }}]{% endif %}{% endfor %}", "1a[2b2c[3d]]1e")]
    [InlineData("{% for x in l %}{% if loop.changed(x > 1) %}|{% endif %}{{ x }}{% endfor %}", "|3|1|2")]
    public void Loops(string template, string expected) => Assert.Equal(expected, Render(template));

    /// <summary>trim_blocks, lstrip_blocks, '-' and '+' whitespace control, comments, raw, trailing newline.</summary>
    [Theory]
    [InlineData("{% if true %}\nyes\n{% endif %}\nafter", "yes\nafter")]
    [InlineData("  {% if true %}\n    indented\n  {% endif %}\nend", "    indented\nend")]
    [InlineData("a\n  {%+ if true %}keep{% endif %}\nb", "a\n  keepb")]
    [InlineData("x {{- ' y ' -}} z", "x y z")]
    [InlineData("x  {%- if true -%}  y  {%- endif -%}  z", "xyz")]
    [InlineData("line\n{# a comment #}\nnext", "line\nnext")]
    [InlineData("line\n  {#- trimmed -#}  \n  next", "linenext")]
    [InlineData("{% for i in [1, 2] %}\n  {{ i }}\n{% endfor %}\n", "  1\n  2\n")]
    [InlineData("{%- for i in [1, 2] -%}\n  {{ i }}\n{%- endfor -%}\n", "12")]
    [InlineData("{% raw %}{{ not evaluated }} {% if %}{% endraw %}!", "{{ not evaluated }} {% if %}!")]
    [InlineData("keep\n\n", "keep\n")]
    [InlineData("{{ 'a' }}\n{{ 'b' }}\n", "a\nb")]
    [InlineData("{% if true %}  x  {% endif %}", "  x  ")]
    [InlineData("{% set x %}\n  inside {{ n }}\n{% endset %}[{{ x }}]", "[  inside 3\n]")]
    public void Whitespace(string template, string expected) => Assert.Equal(expected, Render(template));

    /// <summary>slicing, Python arithmetic and number printing, comparisons, and/or values, literals, str() of containers.</summary>
    [Theory]
    [InlineData("{{ s[::-1] }}|{{ s[1:4] }}|{{ s[-3:] }}|{{ s[:-3] }}|{{ s[::2] }}|{{ s[10:1:-3] }}", "dlroW olleH|ell|rld|Hello Wo|HloWrd|doo")]
    [InlineData("{{ l[::-1] }} {{ l[1:] }} {{ l[:1] }} {{ l[-10:10] }} {{ l[5:] }} {{ l[::-2] }}", "[2, 1, 3] [1, 2] [3] [3, 1, 2] [] [2, 3]")]
    [InlineData("{{ 7 / 2 }} {{ 8 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2.0 ** 3 }}", "3.5 4.0 3 -4 1 2 1024 0.5 8.0")]
    [InlineData("{{ n + f }} {{ f * 2 }} {{ n - 5 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1.5e-5 }} {{ 123.0 }} {{ 1 / 3 }} {{ -0.5 }}", "5.5 5.0 -2 0.30000000000000004 1e+16 1.5e-05 123.0 0.3333333333333333 -0.5")]
    [InlineData("{{ 1 < 2 < 3 }} {{ 3 > 2 > 5 }} {{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ n != 3 }} {{ n >= 3 }}", "True False True True True True False True")]
    [InlineData("{{ 'or' in 'word' }} {{ 2 in l }} {{ 9 not in l }} {{ 'a' in d }} {{ 'z' in d }}", "True True True True False")]
    [InlineData("{{ n and s }}|{{ 0 or 'fallback' }}|{{ nothing or e or 'last' }}|{{ n and 0 }}|{{ not nothing }}", "Hello World|fallback|last|0|True")]
    [InlineData("{{ 'yes' if n > 2 else 'no' }}|{{ 'shown' if n > 5 }}|{{ 'x' if nothing is none else 'y' }}", "yes||x")]
    [InlineData("{{ 'a' ~ 1 ~ nothing ~ missing ~ 2.0 }} {{ 'ab' * 3 }} {{ [0] * 3 }} {{ [1, 2] + [3] }} {{ 'ab' + 'cd' }}", "a1None2.0 ababab [0, 0, 0] [1, 2, 3] abcd")]
    [InlineData("{{ nothing }} {{ true }} {{ false }} {{ [nothing, true, 'it\\'s', \"q\\\"\", 1.0] }} {{ {'a': [1, {'b': nothing}]} }} {{ (1,) }} {{ (1, 'a') }} {{ () }}", "None True False [None, True, \"it's\", 'q\"', 1.0] {'a': [1, {'b': None}]} (1,) (1, 'a') ()")]
    [InlineData("{{ messages[0]['role'] }} {{ messages[0].role }} {{ messages[-1].role }} [{{ messages[9] }}] {{ messages[9] is defined }} {{ d.get('a') }}", "system system tool [] False 1")]
    [InlineData("{{ True }} {{ False }} {{ None }} {{ true is sameas True }} {{ none is none }}", "True False None True True")]
    [InlineData("{{ -n }} {{ +f }} {{ -(n + 1) }} {{ (n + 1) * 2 }} {{ n + 1 * 2 }} {{ 2 ** 3 ** 2 }}", "-3 2.5 -4 8 5 64")]
    [InlineData("{{ \"adjacent\" ' strings' }} {{ '\\u00e9\\x41\\t|\\n|' }} {{ 1_000 }} {{ 0x1F }}", "adjacent strings éA\t|\n| 1000 31")]
    public void Expressions(string template, string expected) => Assert.Equal(expected, Render(template));

    /// <summary>tojson (ensure_ascii=False, indent, separators), string, list and number filters.</summary>
    [Theory]
    [InlineData("{{ messages[2].tool_calls[0].function.arguments|tojson }}|{{ d|tojson }}|{{ 'ü \"q\" \\n 🙂'|tojson }}|{{ [1.0, 2.5e-7, 1e22, nothing, true]|tojson }}", "{\"a\": 1, \"b\": \"ü\"}|{\"b\": 2, \"a\": 1}|\"ü \\\"q\\\" \\n 🙂\"|[1.0, 2.5e-07, 1e+22, null, true]")]
    [InlineData("{{ d|tojson(indent=2) }}|{{ l|tojson(indent=4) }}|{{ {}|tojson(indent=2) }}|{{ d|tojson(sort_keys=true) }}|{{ d|tojson(separators=(',', ':')) }}", "{\n  \"b\": 2,\n  \"a\": 1\n}|[\n    3,\n    1,\n    2\n]|{}|{\"a\": 1, \"b\": 2}|{\"b\":2,\"a\":1}")]
    [InlineData("{{ messages[1].content|trim }}|{{ '--x--'|trim('-') }}|{{ s|lower }}|{{ s|upper }}|{{ 'hello wORLD-foo'|title }}|{{ 'hELLO'|capitalize }}", "Hi ünï 🙂|x|hello world|HELLO WORLD|Hello World-Foo|Hello")]
    [InlineData("{{ s|replace('o', '0') }} {{ s|replace('o', '0', 1) }} {{ l|join(', ') }} {{ messages|map(attribute='role')|join('|') }}", "Hell0 W0rld Hell0 World 3, 1, 2 system|user|assistant|tool")]
    [InlineData("{{ l|first }} {{ l|last }} {{ l|length }} {{ l|count }} {{ l|sum }} {{ l|max }} {{ l|min }} {{ l|sort }} {{ l|sort(reverse=true) }} {{ l|reverse|list }} {{ s|reverse }}", "3 2 3 3 6 3 1 [1, 2, 3] [3, 2, 1] [2, 1, 3] dlroW olleH")]
    [InlineData("{{ d|items|list }} {{ d|dictsort }} {{ d|list }} {{ missing|items|list }} {{ d.keys()|list }} {{ d.values()|list }} {{ d.items() }}", "[('b', 2), ('a', 1)] [('a', 1), ('b', 2)] ['b', 'a'] [] ['b', 'a'] [2, 1] dict_items([('b', 2), ('a', 1)])")]
    [InlineData("{{ messages|selectattr('role', 'equalto', 'user')|list|length }} {{ messages|rejectattr('role', 'eq', 'user')|map(attribute='role')|list }} {{ messages|selectattr('tool_calls', 'defined')|list|length }}", "1 ['system', 'assistant', 'tool'] 1")]
    [InlineData("{{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('even')|list }} {{ [0, 1, '', nothing, 'x']|select|list }} {{ ['a', 'A', 'b', 'a']|unique|list }} {{ ['a', 'b']|map('upper')|list }}", "[1, 3] [1, 3] [1, 'x'] ['a', 'b'] ['A', 'B']")]
    [InlineData("{{ missing|default('dflt') }} {{ ''|default('empty', true) }} {{ nothing|default('kept') }} {{ missing|d('short') }} {{ n|default(9) }}", "dflt empty None short 3")]
    [InlineData("{{ n|string + '!' }} {{ '42'|int + 1 }} {{ '4.7'|int }} {{ 'x'|int }} {{ 'x'|int(-1) }} {{ '0x1A'|int(0, 16) }} {{ '3.5'|float }} {{ 3|float }} {{ 'bad'|float }}", "3! 43 4 0 -1 26 3.5 3.0 0.0")]
    [InlineData("{{ -3|abs }} {{ (-3)|abs }} {{ 2.567|round(2) }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.4|round(0, 'ceil') }} {{ 2.6|round(0, 'floor') }} {{ 7|round }}", "3 3 2.57 2.0 4.0 3.0 2.0 7")]
    [InlineData("{{ 'a\\nb\\n\\nc'|indent(2) }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent('> ', blank=true) }}|{{ 'one two, three'|wordcount }}|{{ 'ab'|center(6) }}|", "a\n  b\n\n  c|  a\n  b|a\n> \n> b|3|  ab  |")]
    [InlineData("{{ l|batch(2)|list }} {{ '<b>x</b> & y'|escape }} {{ 'x'|safe }} {{ messages|map(attribute='missing', default='-')|list }}", "[[3, 1], [2]] &lt;b&gt;x&lt;/b&gt; &amp; y x ['-', '-', '-', '-']")]
    [InlineData("{{ '%s=%d' % ('a', 3) }} {{ '%5s|%-5s|' % ('a', 'b') }} {{ '%.2f' % 3.14159 }} {{ '%d%%' % 50 }} {{ '%s and %s'|format('x', 'y') }}", "a=3     a|b    | 3.14 50% x and y")]
    public void Filters(string template, string expected) => Assert.Equal(expected, Render(template));

    /// <summary>Python str and dict methods called from templates.</summary>
    [Theory]
    [InlineData("{{ '  pad  '.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '  l'.lstrip() }}|{{ 'r  '.rstrip() }}|{{ '\\n\\nz'.lstrip('\\n') }}", "pad|hi|l|r|z")]
    [InlineData("{{ ' a b  c '.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a,b,c'.split(',', 1) }} {{ 'a b c'.rsplit(None, 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ 'x\\ny'.splitlines() }}", "['a', 'b', 'c'] ['a', 'b', '', 'c'] ['a', 'b,c'] ['a b', 'c'] ['a,b', 'c'] ['x', 'y']")]
    [InlineData("{{ 'hello'.startswith('he') }} {{ 'hello'.endswith(('x', 'lo')) }} {{ 'hello'.upper() }} {{ 'HeLLo'.lower() }} {{ \"they're here\".title() }} {{ 'hELLO'.capitalize() }}", "True True HELLO hello They'Re Here Hello")]
    [InlineData("{{ 'Hello {}! {name} {}'.format('A', 'C', name='B') }} {{ '{:>5}|{:<4}|{:^5}|{:.2f}|{:05d}|{:,}'.format('x', 'y', 'z', 3.14159, 42, 1234567) }}", "Hello A! B C     x|y   |  z  |3.14|00042|1,234,567")]
    [InlineData("{{ 'a-b-c'.replace('-', '+') }} {{ 'a-b-c'.replace('-', '+', 1) }} {{ 'abc'.find('c') }} {{ 'abc'.find('z') }} {{ 'abcabc'.count('b') }} {{ '-'.join(['a', 'b']) }}", "a+b+c a+b-c 2 -1 2 a-b")]
    [InlineData("{{ '7'.zfill(3) }} {{ 'ABC'.isupper() }} {{ 'abc'.islower() }} {{ '123'.isdigit() }} {{ 'ab1'.isalnum() }} {{ 'key: value'.partition(': ') }}", "007 True True True True ('key', ': ', 'value')")]
    [InlineData("{{ d.get('a') }} {{ d.get('z', 'dflt') }} {{ d.get('z') }} {{ d.items()|list }} {{ d.keys()|list }} {{ d['b'] }}", "1 dflt None [('b', 2), ('a', 1)] ['b', 'a'] 2")]
    [InlineData("{% set content = messages[1].content %}{{ content.split('ü')[-1].strip() }}|{{ content.split('ü')[0].rstrip('\\n').lstrip() }}", "nï 🙂|Hi ")]
    public void Methods(string template, string expected) => Assert.Equal(expected, Render(template));

    /// <summary>`is` tests with Python's type rules (bool is a number, Undefined is iterable...).</summary>
    [Theory]
    [InlineData("{{ n is number }} {{ f is number }} {{ s is string }} {{ d is mapping }} {{ l is iterable }} {{ s is sequence }} {{ n is integer }} {{ f is float }} {{ true is boolean }} {{ n is boolean }}", "True True True True True True True True True False")]
    [InlineData("{{ missing is defined }} {{ missing is undefined }} {{ nothing is none }} {{ nothing is not none }} {{ n is defined }} {{ d.zz is defined }}", "False True True False True False")]
    [InlineData("{{ true is true }} {{ 1 is true }} {{ false is false }} {{ d is iterable }} {{ d is sequence }} {{ n is iterable }} {{ missing is iterable }} {{ l is mapping }}", "True False True True True False True False")]
    [InlineData("{{ 3 is divisibleby 3 }} {{ 4 is odd }} {{ 4 is even }} {{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 2 is in [1, 2] }} {{ n is eq 3 }} {{ n is gt 2 }} {{ n is lessthan 2 }} {{ n is ne 3 }}", "True False True True True True True True False False")]
    [InlineData("{{ messages[2].tool_calls is defined }} {{ messages[1].tool_calls is defined }} {{ 'tool_calls' in messages[2] }} {{ messages[2].content is string }} {{ range is callable }}", "True False True True True")]
    public void Tests(string template, string expected) => Assert.Equal(expected, Render(template));

    /// <summary>macros with defaults, recursion, varargs/kwargs, call blocks, with, filter and block set.</summary>
    [Theory]
    [InlineData("{% macro m(a, b='dflt', c=none) -%} {{ a }}-{{ b }}-{{ c }} {%- endmacro %}[{{ m(1) }}][{{ m(1, c=3) }}][{{ m(a=5, b=6) }}][{{ m() }}]", "[1-dflt-None][1-dflt-3][5-6-None][-dflt-None]")]
    [InlineData("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(5) }}", "54321")]
    [InlineData("{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, k=3) }}", "(1, 2){'k': 3}")]
    [InlineData("{% macro outer(x) %}<{{ caller(x) }}>{% endmacro %}{% call(v) outer(5) %}got {{ v }}{% endcall %}", "<got 5>")]
    [InlineData("{% macro typed(t) %}{% if t == 'string' %}str{% elif t is iterable and t is not string %}[{% for x in t %}{{ typed(x) }}{% if not loop.last %},{% endif %}{% endfor %}]{% else %}any{% endif %}{% endmacro %}{{ typed(['string', 'x', ['string']]) }}", "[str,any,[str]]")]
    [InlineData("{% set greeting = 'hi' %}{% macro g() %}{{ greeting }}{% endmacro %}{{ g() }}", "hi")]
    [InlineData("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]", "3[]")]
    [InlineData("{% filter upper %}shout {{ s }}{% endfilter %}", "SHOUT HELLO WORLD")]
    [InlineData("{% set x | upper %}block {{ n }}{% endset %}{{ x }}", "BLOCK 3")]
    public void Macros(string template, string expected) => Assert.Equal(expected, Render(template));

    /// <summary>jinja2's default Undefined: prints empty, is falsy, iterates empty.</summary>
    [Theory]
    [InlineData("[{{ missing }}] [{{ missing|lower }}] [{{ missing|length }}] [{{ missing|join }}] [{{ missing|list }}] [{{ d.zz }}] [{{ messages[1].nope }}]", "[] [] [0] [] [[]] [] []")]
    [InlineData("{% for x in missing %}never{% endfor %}{% if missing %}never{% else %}falsy{% endif %} {{ missing == missing }} {{ missing != 1 }}", "falsy True True")]
    public void Undefined(string template, string expected) => Assert.Equal(expected, Render(template));
}
