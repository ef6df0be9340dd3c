// The schema-to-GBNF converter, checked on the grammar text by an independent GBNF interpreter (test/gbnfMatcher.ts):
// valid JSON texts are sentences, invalid ones are not.
import { describe, expect, test } from 'vitest';
import { anyObjectGrammar, schemaGrammar } from '../../src/jsonSchemaGrammar';
import { toolCallsGrammar } from '../../src/structuredPlan';
import { HERMES, LLAMA3_JSON } from '../../src/toolCallFormat';
import { UnsupportedSchemaError } from '../../src/schemaErrors';
import { gbnfAccepts } from '../gbnfMatcher';

const cases: [unknown, string[], string[]][] = [
  [{ type: 'object', properties: { name: { type: 'string', maxLength: 3 }, age: { type: 'integer' } }, required: ['name', 'age'] },
    ['{"name": "ab", "age": -3}', '{ "name":"", "age":0 }', '\n  {"name": "a\\"b", "age": 10}'],
    ['{"age": 1, "name": "a"}', '{"name": "abcd", "age": 1}', '{"name": "a"}', '{"name": "a", "age": 1.5}', '{"name": "a", "age": 01}']],
  [{ type: 'object', properties: { a: { type: 'boolean' }, b: { type: 'null' } } }, ['{}', '{"a": true}', '{"b": null}', '{"a": false, "b": null}'], ['{"b": null, "a": true}', '{"c": 1}', '{"a": true,}']],
  [{ enum: ['red', 3, null] }, ['"red"', '3', 'null'], ['"blue"', '3.0', '"3"']],
  [{ const: { k: [1, 2], ok: true } }, ['{"k":[1,2],"ok":true}'], ['{"k": [1, 2], "ok": true}', '{}']],
  [{ type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 3 }, ['[1, 2]', '[1,2,3]'], ['[1]', '[1, 2, 3, 4]', '[]', '[1, "a"]']],
  [{ type: 'array', prefixItems: [{ type: 'string', maxLength: 2 }, { type: 'integer' }], items: false }, ['["ab", 3]'], ['["ab"]', '["ab", 3, 4]']],
  [{ type: 'string', format: 'date' }, ['"2024-02-28"', '"1999-12-31"'], ['"2024-02-30"', '"24-01-01"', '"2024-13-01"']],
  [{ type: 'string', format: 'uuid' }, ['"123e4567-e89b-12d3-a456-426614174000"'], ['"123e4567e89b12d3a456426614174000"']],
  [{ type: 'string', format: 'ipv4' }, ['"192.168.0.1"', '"0.0.0.0"'], ['"256.1.1.1"', '"1.2.3"']],
  [{ type: 'string', pattern: '^[A-Z]{2}-\\d{3}$' }, ['"AB-123"'], ['"ab-123"', '"AB-12"', '"AB-1234"']],
  [{ type: 'string', pattern: 'a|b+c?' }, ['"a"', '"bbb"', '"bc"'], ['"c"', '"ab"']],
  [{ anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', enum: ['n/a'] }] }, ['1', '42', '"n/a"'], ['0', '-1', '"x"']],
  [{ type: ['string', 'null'], maxLength: 2 }, ['null', '"ab"'], ['"abc"', '1']],
  [{ type: 'number', minimum: 0 }, ['0', '1.5', '2e10'], ['-1', '1e100']],
  [{ type: 'object', additionalProperties: { type: 'integer' } }, ['{}', '{"x": 1, "y": 2}'], ['{"x": "1"}']],
  [{ type: 'object', properties: { k: { const: 'p' } }, required: ['k'], additionalProperties: false }, ['{"k": "p"}'], ['{"k": "q"}', '{}']],
  [{ $ref: '#/$defs/n', $defs: { n: { type: 'object', properties: { v: { type: 'integer' }, next: { anyOf: [{ $ref: '#/$defs/n' }, { type: 'null' }] } }, required: ['v', 'next'] } } },
    ['{"v": 1, "next": {"v": 2, "next": null}}'], ['{"v": 1, "next": {"v": 2}}']],
  [{ type: 'string', minLength: 2, maxLength: 3 }, ['"ab"', '"\u00e9t\u00e9"', '"a\\nb"'], ['"a"', '"abcd"']],
  [true, ['[1, {"a": [true, null]}, "x"]', '-0.5e3'], ['[1,]', "{'a': 1}"]],
];

describe('schemaGrammar', () => {
  for (const [schema, good, bad] of cases) {
    test(JSON.stringify(schema).slice(0, 80), () => {
      const grammar = schemaGrammar(schema);
      for (const text of good) expect(gbnfAccepts(grammar, text), `should accept ${text}`).toBe(true);
      for (const text of bad) expect(gbnfAccepts(grammar, text), `should refuse ${text}`).toBe(false);
    });
  }
  test('json_object: any object, nothing else', () => {
    const g = anyObjectGrammar();
    for (const t of ['{}', '{"a": [1, {"b": null}]}', ' { "x" : "y" } ']) expect(gbnfAccepts(g, t)).toBe(true);
    for (const t of ['[]', '"a"', '{"a"}', '{a: 1}']) expect(gbnfAccepts(g, t)).toBe(false);
  });
  test('unsupported keywords are refused with the keyword named', () => {
    for (const [schema, keyword] of [[{ type: 'integer', maximum: 1 }, 'maximum'], [{ not: {} }, 'not'], [{ type: 'string', pattern: '\\1' }, 'pattern'],
      [{ type: 'object', patternProperties: {} }, 'patternProperties'], [{ type: 'string', format: 'ipv6' }, 'format']] as [unknown, string][]) {
      let error: unknown;
      try { schemaGrammar(schema); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(UnsupportedSchemaError);
      expect((error as UnsupportedSchemaError).keyword).toBe(keyword);
    }
  });
});

describe('toolCallsGrammar', () => {
  const fns = [{ name: 'get_weather', strict: false, parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 5 } }, required: ['city'] } },
    { name: 'noop', strict: false }];
  test('hermes: forced calls in the model\'s envelope, arguments per schema, chained with the separator', () => {
    const g = toolCallsGrammar(HERMES, fns, '\n', undefined);
    const call = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Rome"}}\n</tool_call>';
    expect(gbnfAccepts(g, call)).toBe(true);
    expect(gbnfAccepts(g, `${call}\n<tool_call>\n{"name": "noop", "arguments": {"any": [1]}}\n</tool_call>`)).toBe(true);
    expect(gbnfAccepts(g, '<tool_call>\n{"name": "get_weather", "arguments": {"town": "Rome"}}\n</tool_call>')).toBe(false);
    expect(gbnfAccepts(g, 'Sure! ' + call)).toBe(false);
    expect(gbnfAccepts(toolCallsGrammar(HERMES, fns, null, undefined), `${call}\n${call}`)).toBe(false);
  });
  test('llama3-json, and calls or a JSON answer when a response_format comes with auto', () => {
    const g = toolCallsGrammar(LLAMA3_JSON, fns, null, { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'] });
    expect(gbnfAccepts(g, '{"name": "get_weather", "parameters": {"city": "Oslo"}}')).toBe(true);
    expect(gbnfAccepts(g, '{"answer": 42}')).toBe(true);
    expect(gbnfAccepts(g, '{"answer": "42"}')).toBe(false);
  });
});
