// response_format / tools / tool_choice parsing: the C# server's messages, params and codes, word for word.
import { describe, expect, test } from 'vitest';
import { ApiError } from '../../src/errors';
import { parseStructured } from '../../src/structuredWire';
import { parseChatRequest } from '../../src/wire';

function refusal(body: Record<string, unknown>) {
  try { parseStructured(body); } catch (e) { expect(e).toBeInstanceOf(ApiError); return (e as ApiError).toJSON().error; }
  throw new Error(`accepted ${JSON.stringify(body)}`);
}
const schemaFormat = (schema: unknown) => ({ response_format: { type: 'json_schema', json_schema: { name: 'a', schema } } });
const fn = (name: string, extra: Record<string, unknown> = {}) => ({ type: 'function', function: { name, ...extra } });

describe('response_format', () => {
  test('text, json_object and json_schema are read; strict is accepted (always enforced)', () => {
    expect(parseStructured({}).responseFormat).toEqual({ type: 'text' });
    expect(parseStructured({ response_format: { type: 'json_object' } }).responseFormat).toEqual({ type: 'json_object' });
    const schema = { type: 'object', properties: { a: { type: 'integer' } } };
    expect(parseStructured({ response_format: { type: 'json_schema', json_schema: { name: 'a', schema, strict: true } } }).responseFormat)
      .toEqual({ type: 'json_schema', name: 'a', schema });
  });
  test('an unsupported keyword is refused naming it, on param response_format', () => {
    expect(refusal(schemaFormat({ type: 'integer', maximum: 3 }))).toEqual({
      message: "Unsupported parameter 'response_format': JSON schema keyword 'maximum' is not supported: it does not apply to type integer, or is not supported.",
      type: 'invalid_request_error', param: 'response_format', code: 'unsupported_parameter' });
    expect(refusal(schemaFormat({ oneOf: [{ type: 'string' }] })).message).toBe(
      "Unsupported parameter 'response_format': JSON schema keyword 'oneOf' is not supported: generation can't ensure that exactly one branch matches; use anyOf.");
    expect(refusal(schemaFormat({ type: 'array', uniqueItems: true })).message).toContain("keyword 'uniqueItems'");
    expect(refusal(schemaFormat({ type: 'string', format: 'ipv6' })).message).toContain("format 'ipv6' is not supported (supported: date, time, date-time, uuid, email, ipv4, hostname, uri)");
    expect(refusal(schemaFormat({ type: 'string', pattern: 'a(?!b)' })).message).toContain('lookarounds and named or special groups');
    expect(refusal(schemaFormat({ $ref: 'http://x/y' })).message).toContain("keyword '$ref'");
    expect(refusal(schemaFormat({ type: 'number', minimum: 3 })).message).toContain("keyword 'minimum'");
  });
  test('a malformed schema is an invalid_value', () => {
    expect(refusal(schemaFormat({ $ref: '#/$defs/none' }))).toEqual({
      message: "Invalid value for 'response_format': Invalid JSON schema at '$ref': '#/$defs/none' points to nothing in the schema.",
      type: 'invalid_request_error', param: 'response_format', code: 'invalid_value' });
    expect(refusal(schemaFormat({ type: 'strin' })).code).toBe('invalid_value');
  });
  test('shape errors', () => {
    expect(refusal({ response_format: 'json' })).toMatchObject({ param: 'response_format', code: 'invalid_type',
      message: "Invalid type for 'response_format': expected an object with a 'type'." });
    expect(refusal({ response_format: { type: 'xml' } }).message).toBe("Invalid value for 'response_format': type 'xml' is not one of text, json_object, json_schema.");
    expect(refusal({ response_format: { type: 'json_schema' } })).toMatchObject({ param: 'response_format', code: 'missing_required_parameter' });
    expect(refusal({ response_format: { type: 'json_schema', json_schema: { schema: {} } } }).message).toBe("Missing required parameter: 'response_format.json_schema.name'.");
    expect(refusal({ response_format: { type: 'json_schema', json_schema: { name: 'a b' } } }).code).toBe('invalid_value');
    expect(refusal({ response_format: { type: 'json_object', extra: 1 } })).toMatchObject({ param: 'response_format.extra', code: 'unsupported_parameter' });
  });
});

describe('tools and tool_choice', () => {
  test('tools, choices and parallel_tool_calls are read', () => {
    const r = parseStructured({ tools: [fn('a', { parameters: { type: 'object' }, strict: true })], tool_choice: { type: 'function', function: { name: 'a' } }, parallel_tool_calls: false });
    expect(r.tools).toEqual([{ name: 'a', parameters: { type: 'object' }, strict: true }]);
    expect(r.toolChoice).toEqual({ function: 'a' });
    expect(r.parallelToolCalls).toBe(false);
    for (const c of ['none', 'auto', 'required']) expect(parseStructured({ tools: [fn('a')], tool_choice: c }).toolChoice).toBe(c);
  });
  test('refusals', () => {
    expect(refusal({ tools: {} })).toMatchObject({ param: 'tools', code: 'invalid_type' });
    expect(refusal({ tools: [{ type: 'retrieval' }] }).message).toBe('Invalid value for \'tools\': every tool must be an object with "type": "function".');
    expect(refusal({ tools: [fn('a b')] }).message).toBe("Invalid value for 'tools': function name 'a b' must be 1 to 64 letters, digits, underscores or dashes.");
    expect(refusal({ tools: [fn('a'), fn('a')] }).message).toBe("Invalid value for 'tools': two functions are named 'a'.");
    expect(refusal({ tools: [fn('a', { returns: {} })] })).toMatchObject({ param: 'tools.function.returns', code: 'unsupported_parameter' });
    expect(refusal({ tool_choice: 'required' })).toMatchObject({ param: 'tool_choice', message: "Invalid value for 'tool_choice': a tool call is required, but no tools were given." });
    expect(refusal({ tools: [fn('a')], tool_choice: { type: 'function', function: { name: 'b' } } }).message).toBe("Invalid value for 'tool_choice': the function 'b' is not among the tools.");
    expect(refusal({ tools: [fn('a')], tool_choice: 'sometimes' }).message).toBe("Invalid value for 'tool_choice': 'sometimes' is not one of none, auto, required.");
    expect(refusal({ tools: [fn('a', { strict: true })] })).toMatchObject({ param: 'tools', code: 'unsupported_parameter' });
    // a forced call's parameters must compile; with auto they are not constrained, so not checked
    expect(refusal({ tools: [fn('a', { parameters: { type: 'object', properties: { n: { type: 'integer', maximum: 1 } } } })], tool_choice: 'required' }))
      .toMatchObject({ param: 'tools', code: 'unsupported_parameter' });
    expect(() => parseStructured({ tools: [fn('a', { parameters: { type: 'object', properties: { n: { type: 'integer', maximum: 1 } } } })] })).not.toThrow();
  });
});

describe('messages with tool calls and results', () => {
  const parse = (messages: unknown[]) => parseChatRequest({ model: 'm', messages }, null).messages;
  const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a": 1}' } };
  test('an assistant call and the tool result are kept in the canonical shape', () => {
    const m = parse([{ role: 'user', content: 'x' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: '3' }]);
    expect(m[1]).toEqual({ role: 'assistant', content: '', tool_calls: [call] });
    expect(m[2]).toEqual({ role: 'tool', content: '3', tool_call_id: 'call_1' });
  });
  test('malformed calls and results are 400s on messages', () => {
    const refused = (messages: unknown[]) => { try { parse(messages); } catch (e) { return (e as ApiError).toJSON().error; } throw new Error('accepted'); };
    expect(refused([{ role: 'tool', content: '3' }])).toMatchObject({ param: 'messages', code: 'missing_required_parameter' });
    expect(refused([{ role: 'assistant', tool_calls: [{ ...call, function: { name: 'f', arguments: '[1]' } }] }]).message)
      .toBe("Invalid value for 'messages[0].tool_calls.function.arguments': must be a JSON object encoded as a string.");
    expect(refused([{ role: 'assistant', tool_calls: [{ function: { name: 'f' } }] }]).code).toBe('invalid_type');
  });
});
