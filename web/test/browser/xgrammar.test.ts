// WebLLM constrains decoding with xgrammar, which reads the GBNF Hearth writes. No WebLLM model can run here (no
// MLC weights offline, no GPU), but xgrammar itself can: this runs WebLLM's own bundled copy in Chromium and checks it
// compiles every grammar Hearth sends and agrees with the schema on which texts are sentences.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launch, type Browser } from '../browser';
import { serve, type TestServer } from '../server';
import { anyObjectGrammar, schemaGrammar } from '../../src/jsonSchemaGrammar';
import { toolCallsGrammar } from '../../src/structuredPlan';
import { HERMES } from '../../src/toolCallFormat';

let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await serve();
  browser = await launch();
  // WebLLM's bundle keeps xgrammar internal: serve a copy that also exports it.
  const source = readFileSync(resolve(__dirname, '..', '..', 'node_modules', '@mlc-ai', 'web-llm', 'lib', 'index.js'), 'utf8');
  const exported = source.replace(/^export \{ /m, 'export { libExports$1 as __xgrammar, ');
  expect(exported).not.toBe(source);
  await browser.context.route('**/webllm-xgrammar.mjs', (route) => route.fulfill({ body: exported, contentType: 'text/javascript' }));
  page = await browser.context.newPage();
  // another origin than the app's, so no service worker stands between the page and the route
  await page.goto(server.url.replace('127.0.0.1', 'localhost') + '/index.html');
  await page.evaluate("import('/webllm-xgrammar.mjs').then((m) => { globalThis.xg = m.__xgrammar; })");
});
afterAll(async () => { await browser?.close(); await server?.close(); });

const accepts = (grammar: string, text: string) =>
  page.evaluate(([g, t]) => (globalThis as unknown as { xg: { Testings: { isGrammarAcceptString(g: string, t: string): Promise<boolean> } } }).xg.Testings.isGrammarAcceptString(g, t), [grammar, text]);

const cases: [unknown, string[], string[]][] = [
  [{ type: 'object', properties: { name: { type: 'string', maxLength: 3 }, age: { type: 'integer' } }, required: ['name', 'age'] },
    ['{"name": "ab", "age": -3}', '\n  {"name": "a\\"b", "age": 10}'], ['{"age": 1, "name": "a"}', '{"name": "abcd", "age": 1}']],
  [{ enum: ['red', 3, null] }, ['"red"', '3', 'null'], ['"blue"']],
  [{ type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 3 }, ['[1, 2]', '[1,2,3]'], ['[1]', '[1, 2, 3, 4]']],
  [{ type: 'string', format: 'date-time' }, ['"2024-02-28T12:30:00Z"'], ['"2024-02-30T12:30:00Z"']],
  [{ type: 'string', pattern: '^[A-Z]{2}-\\d{3}$' }, ['"AB-123"'], ['"AB-12"']],
  [{ $ref: '#/$defs/n', $defs: { n: { type: 'object', properties: { v: { type: 'integer' }, next: { anyOf: [{ $ref: '#/$defs/n' }, { type: 'null' }] } }, required: ['v', 'next'] } } },
    ['{"v": 1, "next": {"v": 2, "next": null}}'], ['{"v": 1, "next": {"v": 2}}']],
  [{ type: 'string', minLength: 2, maxLength: 3 }, ['"été"', '"a\\nb"'], ['"a"', '"abcd"']],
  [{ type: 'object', additionalProperties: { type: 'number', minimum: 0 } }, ['{"x": 1.5e3}'], ['{"x": -1}']],
];

test('xgrammar (WebLLM) compiles the GBNF and agrees on sentences', async () => {
  for (const [schema, good, bad] of cases) {
    const grammar = schemaGrammar(schema);
    for (const text of good) expect(await accepts(grammar, text), `${JSON.stringify(schema)} should accept ${text}`).toBe(true);
    for (const text of bad) expect(await accepts(grammar, text), `${JSON.stringify(schema)} should refuse ${text}`).toBe(false);
  }
  expect(await accepts(anyObjectGrammar(), '{"a": [1, {"b": null}]}')).toBe(true);
  expect(await accepts(anyObjectGrammar(), '[1]')).toBe(false);
  const calls = toolCallsGrammar(HERMES, [{ name: 'f', strict: false, parameters: { type: 'object', properties: { a: { type: 'boolean' } }, required: ['a'] } }], '\n', undefined);
  expect(await accepts(calls, '<tool_call>\n{"name": "f", "arguments": {"a": true}}\n</tool_call>')).toBe(true);
  expect(await accepts(calls, '<tool_call>\n{"name": "g", "arguments": {"a": true}}\n</tool_call>')).toBe(false);
  // the control: xgrammar really parses what it is given
  await expect(accepts('root ::= ("a"', 'a')).rejects.toThrow();
});
