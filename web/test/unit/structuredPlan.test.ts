// The plan for one request and engine: which grammar, which tools rendered, which format parsed.
import { describe, expect, test } from 'vitest';
import { ApiError } from '../../src/errors';
import { planStructured } from '../../src/structuredPlan';
import { parseStructured } from '../../src/structuredWire';
import { HERMES, type ToolCallFormat } from '../../src/toolCallFormat';
import { gbnfAccepts } from '../gbnfMatcher';

const engine = (format: ToolCallFormat | null) => ({ modelId: 'm', toolCallFormat: () => ({ format, why: 'has no chat template' }) });
const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] } } }];
const plan = (body: Record<string, unknown>, format: ToolCallFormat | null = HERMES) => planStructured(parseStructured(body), engine(format));
const call = '<tool_call>\n{"name": "f", "arguments": {"a": 1}}\n</tool_call>';

describe('planStructured', () => {
  test('no response_format and no tools: free text', () => {
    expect(plan({})).toEqual({ grammar: null, tools: null, format: null });
  });
  test('json_object / json_schema: a grammar, no tools', () => {
    expect(gbnfAccepts(plan({ response_format: { type: 'json_object' } }).grammar!, '{"x": 1}')).toBe(true);
    const p = plan({ response_format: { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'integer' } } } });
    expect(gbnfAccepts(p.grammar!, '12')).toBe(true);
    expect(gbnfAccepts(p.grammar!, '"12"')).toBe(false);
  });
  test('auto: tools rendered and parsed, the reply free', () => {
    const p = plan({ tools });
    expect(p).toMatchObject({ grammar: null, format: HERMES });
    expect(p.tools!.map((t) => t.name)).toEqual(['f']);
  });
  test('none: tools neither rendered nor parsed', () => {
    expect(plan({ tools, tool_choice: 'none' })).toEqual({ grammar: null, tools: null, format: null });
  });
  test('required: calls only, chained unless parallel_tool_calls is false', () => {
    const p = plan({ tools, tool_choice: 'required' });
    expect(gbnfAccepts(p.grammar!, call)).toBe(true);
    expect(gbnfAccepts(p.grammar!, `${call}\n${call}`)).toBe(true);
    expect(gbnfAccepts(p.grammar!, 'hello')).toBe(false);
    expect(gbnfAccepts(plan({ tools, tool_choice: 'required', parallel_tool_calls: false }).grammar!, `${call}\n${call}`)).toBe(false);
  });
  test('auto with a response_format: calls or the JSON answer', () => {
    const p = plan({ tools, response_format: { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'boolean' } } } });
    expect(gbnfAccepts(p.grammar!, call)).toBe(true);
    expect(gbnfAccepts(p.grammar!, 'true')).toBe(true);
    expect(gbnfAccepts(p.grammar!, '1')).toBe(false);
    expect(gbnfAccepts(p.grammar!, `${call}\n${call}`)).toBe(true);
    const single = plan({ tools, parallel_tool_calls: false, response_format: { type: 'json_object' } });
    expect(gbnfAccepts(single.grammar!, call)).toBe(true);
    expect(gbnfAccepts(single.grammar!, `${call}\n${call}`)).toBe(false);
  });
  test('a model without a tool format is a 400 on tools (unless tool_choice is none)', () => {
    let error: unknown;
    try { plan({ tools }, null); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).toJSON().error).toMatchObject({ param: 'tools', message: "The model 'm' has no chat template, so it can't be given tools." });
    expect(plan({ tools, tool_choice: 'none' }, null).tools).toBeNull();
  });
});
