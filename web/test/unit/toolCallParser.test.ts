// The tool-call parser: the same content and calls however the reply is chunked; malformed calls come back as content.
import { describe, expect, test } from 'vitest';
import { ToolCallParser } from '../../src/toolCallParser';
import { HERMES, LLAMA3_JSON, detectToolCallFormat, type ToolCallFormat } from '../../src/toolCallFormat';

function parse(format: ToolCallFormat, text: string, chunk: number) {
  let n = 0;
  const p = new ToolCallParser(format, () => `id${n++}`);
  const deltas = [];
  for (let i = 0; i < text.length; i += chunk) deltas.push(...p.push(text.slice(i, i + chunk)));
  deltas.push(...p.finish());
  const streamedContent = deltas.map((d) => 'content' in d ? d.content : '').join('');
  expect(streamedContent).toBe(p.content);
  return { content: p.content, calls: p.calls };
}

const cases: [ToolCallFormat, string, string, { name: string; arguments: string }[]][] = [
  [HERMES, 'Sure.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>', 'Sure.', [{ name: 'get_weather', arguments: '{"city": "Paris"}' }]],
  [HERMES, '<tool_call>\n{"name": "a", "arguments": {}}\n</tool_call>\n<tool_call>\n{"name": "b", "arguments": {"x": "</tool_call>"}}\n</tool_call>', '',
    [{ name: 'a', arguments: '{}' }, { name: 'b', arguments: '{"x": "</tool_call>"}' }]],
  [HERMES, 'I said <tool_call> is a tag', 'I said <tool_call> is a tag', []],
  [HERMES, 'x <tool_call>{"nom": 1}</tool_call> y', 'x <tool_call>{"nom": 1}</tool_call> y', []],
  [HERMES, 'no calls at all <tool', 'no calls at all <tool', []],
  [LLAMA3_JSON, '{"name": "f", "parameters": {"a": [1, {"b": "}"}]}}', '', [{ name: 'f', arguments: '{"a": [1, {"b": "}"}]}' }]],
  [LLAMA3_JSON, '<|python_tag|>{"name": "f", "parameters": {}}', '', [{ name: 'f', arguments: '{}' }]],
  [LLAMA3_JSON, 'Hello {"name": "f"}', 'Hello {"name": "f"}', []],
  [LLAMA3_JSON, '{"not": "a call"}', '{"not": "a call"}', []],
];

describe('ToolCallParser', () => {
  for (const [format, text, content, calls] of cases) {
    test(`${format.name}: ${JSON.stringify(text).slice(0, 60)}`, () => {
      for (const chunk of [1, 2, 3, 7, 1000]) {
        const r = parse(format, text, chunk);
        expect(r.content).toBe(content);
        expect(r.calls.map(({ name, arguments: a }) => ({ name, arguments: a }))).toEqual(calls);
      }
    });
  }
  test('formats are detected from templates', () => {
    expect(detectToolCallFormat('{% if tools %}<tool_call>{% endif %}')).toBe(HERMES);
    expect(detectToolCallFormat('<|start_header_id|> {"name": ..., "parameters": ...}')).toBe(LLAMA3_JSON);
    expect(detectToolCallFormat('{{ messages }}')).toBeNull();
    expect(detectToolCallFormat(null)).toBeNull();
  });
});
