import { expect, test } from 'vitest';
import { parseSse, readSse, sseData, sseDone } from '../../src/sse';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

test('frames JSON events and [DONE] as data lines ending with a blank line', () => {
  expect(text(sseData({ a: 1 }))).toBe('data: {"a":1}\n\n');
  expect(text(sseDone())).toBe('data: [DONE]\n\n');
  expect(sseDone()).not.toBe(sseDone());
});

test('parses whole bodies and streams split at any byte', async () => {
  const body = 'data: {"x":"é"}\n\ndata: [DONE]\n\n';
  expect(parseSse(body)).toEqual(['{"x":"é"}', '[DONE]']);
  const bytes = new TextEncoder().encode(body);
  const stream = new ReadableStream<Uint8Array>({
    start(c) { for (let i = 0; i < bytes.length; i += 3) c.enqueue(bytes.slice(i, i + 3)); c.close(); },
  });
  const seen: string[] = [];
  for await (const data of readSse(stream)) seen.push(data);
  expect(seen).toEqual(['{"x":"é"}', '[DONE]']);
});
