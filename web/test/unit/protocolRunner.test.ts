// The runner must be able to fail: check it against answers that break each kind of expectation.
import { expect, test } from 'vitest';
import { check, loadCases, substitute, at } from '../protocolRunner';

const res = (status: number, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' }) =>
  ({ status, headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

test('cases.json is well formed', () => {
  const cases = loadCases();
  expect(cases.length).toBeGreaterThan(20);
  for (const c of cases) {
    expect(typeof c.name).toBe('string');
    expect(typeof c.expect.status).toBe('number');
    expect(c.request.path.startsWith('/v1/')).toBe(true);
  }
  expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
});

test('substitution prefers longer names and reaches keys and nested values', () => {
  expect(substitute({ a: ['$CONV2', '$CONV/x'], $MODEL: 1 }, { CONV: 'c', CONV2: 'd', MODEL: 'm' })).toEqual({ a: ['d', 'c/x'], m: 1 });
  expect(at({ a: [{ b: null }] }, 'a.0.b')).toBeNull();
});

test('each kind of expectation fails when it should', () => {
  const expect400 = { status: 400, headers: { 'content-type': 'application/json' }, json: { 'error.param': 'n' }, jsonHas: ['error.message'] };
  expect(check(expect400, res(400, { error: { param: 'n', message: 'm' } }))).toEqual([]);
  expect(check(expect400, res(400, { error: { param: 'x', message: 'm' } }))).toHaveLength(1);
  expect(check(expect400, res(400, { error: { param: 'n' } }))).toHaveLength(1);
  expect(check(expect400, res(200, { error: { param: 'n', message: 'm' } }))).toHaveLength(1);
  expect(check(expect400, res(400, { error: { param: 'n', message: 'm' } }, { 'content-type': 'text/plain' }))).toHaveLength(1);
  expect(check({ status: 200, jsonLength: { data: 2 }, jsonContains: { data: { id: 'a' } } }, res(200, { data: [{ id: 'b' }] }))).toHaveLength(2);
  const sse = { status: 200, sse: true, sseFirst: { n: 1 }, sseLastHas: ['end'] };
  expect(check(sse, res(200, 'data: {"n":1}\n\ndata: {"end":true}\n\ndata: [DONE]\n\n'))).toEqual([]);
  expect(check(sse, res(200, 'data: {"n":1}\n\ndata: {"end":true}\n\n'))).not.toEqual([]);
  expect(check(sse, res(200, 'data: {"n":2}\n\ndata: {}\n\ndata: [DONE]\n\n'))).toHaveLength(2);
  expect(check({ status: 200, headersHas: ['x-conversation-id'] }, res(200, '{}'))).toHaveLength(1);
});
