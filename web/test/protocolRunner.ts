// Runs protocol/cases.json (format in protocol/README.md) against any `send` function and reports failures.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseSse } from '../src/sse';

export interface CaseRequest { method: string; path: string; headers?: Record<string, string>; body?: unknown; rawBody?: string }
export interface CaseExpect {
  status: number;
  headers?: Record<string, string>;
  headersHas?: string[];
  json?: Record<string, unknown>;
  jsonHas?: string[];
  jsonLength?: Record<string, number>;
  jsonContains?: Record<string, Record<string, unknown>>;
  sse?: boolean;
  sseFirst?: Record<string, unknown>;
  sseLast?: Record<string, unknown>;
  sseFirstHas?: string[];
  sseLastHas?: string[];
}
export interface ProtocolCase { name: string; request: CaseRequest; expect: CaseExpect; capture?: Record<string, string> }
export interface WireRequest { method: string; path: string; headers: Record<string, string>; body: string | null }
export interface WireResponse { status: number; headers: Record<string, string>; body: string }

/** The cases of a file in ../protocol (cases.json unless named). */
export function loadCases(name = 'cases.json'): ProtocolCase[] {
  const file = resolve(__dirname, '..', '..', 'protocol', name);
  return (JSON.parse(readFileSync(file, 'utf8')) as { cases: ProtocolCase[] }).cases;
}

/** Replaces $NAME in every string of a JSON value, longest names first. */
export function substitute<T>(value: T, vars: Record<string, string>): T {
  const names = Object.keys(vars).sort((a, b) => b.length - a.length);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return names.reduce((s, n) => s.split('$' + n).join(vars[n]), v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [walk(k) as string, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

const MISSING = Symbol('missing');

export function at(value: unknown, path: string): unknown {
  let v: unknown = value;
  for (const part of path.split('.')) {
    if (Array.isArray(v) && /^\d+$/.test(part)) v = Number(part) < v.length ? v[Number(part)] : MISSING;
    else if (v && typeof v === 'object' && part in (v as object)) v = (v as Record<string, unknown>)[part];
    else return MISSING;
    if (v === MISSING) return MISSING;
  }
  return v;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function checkPaths(where: string, value: unknown, equal: Record<string, unknown> = {}, has: string[] = [], problems: string[]) {
  for (const [path, want] of Object.entries(equal)) {
    const got = at(value, path);
    if (got === MISSING || !same(got, want)) problems.push(`${where} ${path}: expected ${JSON.stringify(want)}, got ${got === MISSING ? '(missing)' : JSON.stringify(got)}`);
  }
  for (const path of has) if (at(value, path) === MISSING) problems.push(`${where} ${path}: missing`);
}

/** Every way the response differs from the case's expectations (empty: it passes). */
export function check(expect: CaseExpect, res: WireResponse): string[] {
  const problems: string[] = [];
  if (res.status !== expect.status) problems.push(`status: expected ${expect.status}, got ${res.status} (${res.body.slice(0, 300)})`);
  const header = (name: string) => res.headers[name.toLowerCase()];
  for (const [name, prefix] of Object.entries(expect.headers ?? {})) {
    const got = header(name);
    if (got === undefined || !got.toLowerCase().startsWith(prefix.toLowerCase())) problems.push(`header ${name}: expected ${prefix}…, got ${got}`);
  }
  for (const name of expect.headersHas ?? []) if (header(name) === undefined) problems.push(`header ${name}: missing`);
  if (expect.json || expect.jsonHas || expect.jsonLength || expect.jsonContains) {
    let body: unknown;
    try { body = JSON.parse(res.body); } catch { problems.push(`body is not JSON: ${res.body.slice(0, 200)}`); return problems; }
    checkPaths('json', body, expect.json, expect.jsonHas, problems);
    for (const [path, n] of Object.entries(expect.jsonLength ?? {})) {
      const v = at(body, path);
      if (!Array.isArray(v) || v.length !== n) problems.push(`json ${path}: expected ${n} elements, got ${Array.isArray(v) ? v.length : '(not an array)'}`);
    }
    for (const [path, want] of Object.entries(expect.jsonContains ?? {})) {
      const v = at(body, path);
      const found = Array.isArray(v) && v.some((item) => Object.entries(want).every(([p, w]) => same(at(item, p), w)));
      if (!found) problems.push(`json ${path}: no element matching ${JSON.stringify(want)}`);
    }
  }
  if (expect.sse) {
    const events = parseSse(res.body);
    if (events.length === 0 || events[events.length - 1] !== '[DONE]') problems.push('sse: does not end with data: [DONE]');
    if (!res.body.endsWith('\n\n')) problems.push('sse: last event is not terminated by a blank line');
    const payloads: unknown[] = [];
    for (const e of events.slice(0, -1)) {
      try { payloads.push(JSON.parse(e)); } catch { problems.push(`sse: payload is not JSON: ${e.slice(0, 100)}`); }
    }
    if (payloads.length === 0) problems.push('sse: no JSON payloads');
    else {
      checkPaths('sseFirst', payloads[0], expect.sseFirst, expect.sseFirstHas, problems);
      checkPaths('sseLast', payloads[payloads.length - 1], expect.sseLast, expect.sseLastHas, problems);
    }
  }
  return problems;
}

export function capture(spec: Record<string, string> | undefined, res: WireResponse, vars: Record<string, string>) {
  for (const [name, source] of Object.entries(spec ?? {})) {
    const [kind, ...rest] = source.split(':');
    const key = rest.join(':');
    const value = kind === 'header' ? res.headers[key.toLowerCase()] : at(JSON.parse(res.body), key);
    if (typeof value !== 'string') throw new Error(`capture ${name}: ${source} is not a string (${String(value)})`);
    vars[name] = value;
  }
}

export function toWire(request: CaseRequest): WireRequest {
  return {
    method: request.method, path: request.path, headers: request.headers ?? {},
    body: request.rawBody ?? (request.body === undefined ? null : JSON.stringify(request.body)),
  };
}

/** Runs all cases in order; returns 'name: problem' lines for the ones that fail. */
export async function runCases(send: (r: WireRequest) => Promise<WireResponse>, model: string, file = 'cases.json'): Promise<{ failures: string[]; ran: number }> {
  const vars: Record<string, string> = { MODEL: model };
  const failures: string[] = [];
  const cases = loadCases(file);
  for (const c of cases) {
    const request = substitute(c.request, vars);
    const expect = substitute(c.expect, vars);
    let res: WireResponse;
    try {
      res = await send(toWire(request));
    } catch (err) {
      throw new Error(`${c.name}: request failed: ${(err as Error).message}`);
    }
    const problems = check(expect, res);
    failures.push(...problems.map((p) => `${c.name}: ${p}`));
    if (problems.length === 0) capture(c.capture, res, vars);
  }
  return { failures, ran: cases.length };
}
