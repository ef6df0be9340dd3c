// response_format and tools end to end in headless Chromium with wllama. The models have random (qwen) or story-only
// (stories260K) weights and know nothing of JSON: every valid output proves the grammar constraint.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { launch, type Browser } from '../browser';
import { serve, testConfig, TEST_MODEL, type TestServer } from '../server';
import { openApp, pageFetch, postJson } from './page';
import { validate } from '../schemaValidator';
import { jsonShape } from '../jsonPrefix';
import { parseSse } from '../../src/sse';

const QWEN = 'tiny-qwen2';
const QWEN_ENTRY = { id: QWEN, engine: 'wllama', file: 'tiny-qwen2-q8_0.gguf', contextWindow: 2048, sizeBytes: 48451008, chatTemplate: true };
const LLAMA = 'tiny-llama3';
const LLAMA_ENTRY = { id: LLAMA, engine: 'wllama', file: 'tiny-llama3-bpe-q4_k_m.gguf', contextWindow: 2048, sizeBytes: 35426848, chatTemplate: true };

let server: TestServer;
let browser: Browser;
const pages: Record<string, Page> = {};

beforeAll(async () => {
  server = await serve({ config: (base) => ({ models: [...testConfig(base).models, QWEN_ENTRY, LLAMA_ENTRY] }) });
  browser = await launch();
  for (const runtime of ['web-worker', 'service-worker']) {
    pages[runtime] = await openApp(browser.context, server.url, runtime);
    for (const model of [QWEN, TEST_MODEL]) {
      const res = await postJson(pages[runtime], '/v1/models/load', { model });
      if (!res.body.includes('model.load.done')) throw new Error(`load ${model}: ${res.body}`);
    }
  }
});
afterAll(async () => { await browser?.close(); await server?.close(); });

// The C# engine's test schemas (tests/Hearth.Engine.Tests/Chat/StructuredOutputModelTests.cs), so both runtimes are held to the same set.
const SCHEMAS: unknown[] = [
  { type: 'object' },
  { type: 'object', properties: { name: { type: 'string', maxLength: 8 }, age: { type: 'integer' } }, required: ['name', 'age'] },
  { enum: ['red', 'green', 'blue', 3, null] },
  { const: { k: [1, 2], ok: true } },
  { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 4 },
  { type: 'array', items: { type: 'number' }, maxItems: 3 },
  { type: 'string', format: 'date' },
  { type: 'string', format: 'uuid' },
  { type: 'string', pattern: '^[A-Z]{2}-\\d{3}$' },
  { type: 'string', minLength: 2, maxLength: 5 },
  { anyOf: [{ type: 'integer' }, { type: 'string', enum: ['n/a'] }] },
  { type: ['string', 'null'], maxLength: 6 },
  { $ref: '#/$defs/node', $defs: { node: { type: 'object', properties: { v: { type: 'integer' }, next: { anyOf: [{ $ref: '#/$defs/node' }, { type: 'null' }] } }, required: ['v', 'next'] } } },
  { type: 'integer', minimum: 0 },
  { type: 'object', additionalProperties: { type: 'integer' } },
  { type: 'array', prefixItems: [{ type: 'string', maxLength: 4 }, { type: 'integer' }], items: false },
  { type: 'boolean' },
  { type: 'object', properties: { user: { type: 'object', properties: { id: { type: 'integer' }, tags: { type: 'array', items: { type: 'string', maxLength: 4 }, maxItems: 2 } }, required: ['id', 'tags'] }, active: { type: 'boolean' } }, required: ['user', 'active'] },
  { type: 'string', format: 'email' },
  { type: 'string', format: 'ipv4' },
  { type: 'string', format: 'date-time' },
  { type: 'object', properties: { kind: { const: 'point' }, x: { type: 'number' }, label: { type: 'string', maxLength: 5 } }, required: ['kind', 'x'], additionalProperties: false },
  { type: 'array', items: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] }, maxItems: 2 },
  { type: 'string', format: 'time' },
  { type: 'number', minimum: 0 },
  { allOf: [{ $ref: '#/$defs/p' }], $defs: { p: { type: 'object', properties: { h: { type: 'string', format: 'hostname' } }, required: ['h'] } } },
];
const SEEDS = [1, 2, 3];
/** Schemas with strings of unbounded length: stories260K may still be writing one when max_tokens runs out. */
const UNBOUNDED = new Set([0, 14, 18]);

const chat = (runtime: string, body: Record<string, unknown>) => postJson(pages[runtime], '/v1/chat/completions', body);
const normalize = (body: string) => body.replace(/chatcmpl-[A-Za-z0-9]{24}/g, 'chatcmpl-ID').replace(/call_[A-Za-z0-9]{24}/g, 'call_ID').replace(/"created":\d+/g, '"created":0');

test(`${SCHEMAS.length} schemas x ${SEEDS.length} seeds: every sampled generation parses and validates`, async () => {
  const failures: string[] = [];
  let unconstrainedJson = 0;
  let completed = 0;
  for (const [i, schema] of SCHEMAS.entries()) {
    for (const seed of SEEDS) {
      const res = await chat('web-worker', {
        model: TEST_MODEL, messages: [{ role: 'user', content: `Item ${i}:` }], temperature: 1, seed, max_tokens: 160,
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } },
      });
      expect(res.status, res.body).toBe(200);
      const choice = JSON.parse(res.body).choices[0];
      const text: string = choice.message.content;
      if (choice.finish_reason === 'length') {
        // cut off inside an unbounded string: not an answer, but it must have followed the grammar up to there
        if (!UNBOUNDED.has(i) || jsonShape(text).shape !== 'prefix') failures.push(`schema ${i} seed ${seed}: cut off off-grammar: ${text}`);
        continue;
      }
      let value: unknown;
      try { value = JSON.parse(text); } catch { failures.push(`schema ${i} seed ${seed}: not JSON: ${text}`); continue; }
      const error = validate(schema, value);
      if (error) failures.push(`schema ${i} seed ${seed}: ${error}: ${text}`);
      completed++;
    }
  }
  // The control: the same model, unconstrained, does not write JSON.
  for (const seed of SEEDS) {
    const res = await chat('web-worker', { model: TEST_MODEL, messages: [{ role: 'user', content: 'Item 1:' }], temperature: 1, seed, max_tokens: 40 });
    try { JSON.parse(JSON.parse(res.body).choices[0].message.content); unconstrainedJson++; } catch { /* expected */ }
  }
  expect(failures).toEqual([]);
  expect(completed).toBeGreaterThanOrEqual((SCHEMAS.length - UNBOUNDED.size) * SEEDS.length);
  expect(unconstrainedJson).toBe(0);
});

test('json_object mode gives a JSON object (or, cut off by max_tokens, the start of one)', async () => {
  for (const seed of [11, 12, 13, 14]) {
    const res = await chat('web-worker', { model: TEST_MODEL, messages: [{ role: 'user', content: 'Data:' }], seed, max_tokens: 120, response_format: { type: 'json_object' } });
    const choice = JSON.parse(res.body).choices[0];
    const shape = jsonShape(choice.message.content);
    expect(shape.root, choice.message.content).toBe('object');
    expect(shape.shape).toBe(choice.finish_reason === 'stop' ? 'complete' : 'prefix');
  }
});

test('streamed structured output is exactly the non-streamed output', async () => {
  const body = { model: TEST_MODEL, messages: [{ role: 'user', content: 'User:' }], seed: 7, max_tokens: 160,
    response_format: { type: 'json_schema', json_schema: { name: 's', schema: SCHEMAS[17] } } };
  const whole = JSON.parse((await chat('web-worker', body)).body).choices[0].message.content;
  const events = parseSse((await chat('web-worker', { ...body, stream: true })).body).filter((d) => d !== '[DONE]').map((d) => JSON.parse(d));
  const streamed = events.map((e) => e.choices[0]?.delta?.content ?? '').join('');
  expect(streamed).toBe(whole);
  expect(events.length).toBeGreaterThan(5);
  expect(validate(SCHEMAS[17], JSON.parse(streamed))).toBeNull();
});

test('a schema keyword that cannot be enforced is a 400 naming it; so are malformed tools', async () => {
  const refused = async (body: Record<string, unknown>) => {
    const res = await chat('web-worker', { model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 4, ...body });
    expect(res.status).toBe(400);
    return JSON.parse(res.body).error;
  };
  const maximum = await refused({ response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object', properties: { n: { type: 'integer', maximum: 5 } } } } } });
  expect(maximum).toEqual({ message: "Unsupported parameter 'response_format': JSON schema keyword 'maximum' is not supported: it does not apply to type integer, or is not supported.",
    type: 'invalid_request_error', param: 'response_format', code: 'unsupported_parameter' });
  expect((await refused({ response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { oneOf: [{ type: 'string' }] } } } })).message).toContain("keyword 'oneOf'");
  expect((await refused({ response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'string', pattern: '(?=a)b' } } } })).message).toContain('lookarounds');
  expect((await refused({ response_format: { type: 'yaml' } })).code).toBe('invalid_value');
  expect((await refused({ tool_choice: 'required' })).param).toBe('tool_choice');
  // stories260K has no chat template: it can't be given tools.
  const noTemplate = await refused({ tools: [{ type: 'function', function: { name: 'f' } }] });
  expect(noTemplate.param).toBe('tools');
  const forcedBad = await refused({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'string', maxLength: 3, format: 'date' } } } } }], tool_choice: 'required' });
  expect(forcedBad).toMatchObject({ param: 'tools', code: 'unsupported_parameter' });
});

const WEATHER = [{ type: 'function', function: { name: 'get_weather', description: 'The weather in a city', parameters: {
  type: 'object', properties: { city: { type: 'string', maxLength: 10 }, unit: { enum: ['c', 'f'] } }, required: ['city', 'unit'], additionalProperties: false } } }];
const TIME = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string', pattern: '^[A-Z]{3}$' } }, required: ['zone'] } } };
const ASK = [{ role: 'user', content: 'What is the weather in Paris?' }];

test('tool_choice required always yields valid calls through the Qwen template; a named function is the one called', async () => {
  for (const seed of [1, 2, 3]) {
    const res = await chat('web-worker', { model: QWEN, messages: ASK, tools: [...WEATHER, TIME], tool_choice: 'required', seed, max_tokens: 200, parallel_tool_calls: false });
    expect(res.status, res.body).toBe(200);
    const choice = JSON.parse(res.body).choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls[0];
    expect(call.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(call.type).toBe('function');
    const tool = [...WEATHER, TIME].find((t) => t.function.name === call.function.name)!;
    expect(validate(tool.function.parameters, JSON.parse(call.function.arguments))).toBeNull();
  }
  for (const seed of [6]) {
    const res = await chat('web-worker', { model: QWEN, messages: ASK, tools: [...WEATHER, TIME], tool_choice: { type: 'function', function: { name: 'get_time' } }, seed, max_tokens: 200, parallel_tool_calls: false });
    expect(JSON.parse(res.body).choices[0].finish_reason).toBe('tool_calls');
    const calls = JSON.parse(res.body).choices[0].message.tool_calls;
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.function.name).toBe('get_time');
      expect(validate(TIME.function.parameters, JSON.parse(call.function.arguments))).toBeNull();
    }
  }
});

test('tool_choice auto with a response_format: the reply is either valid calls or the valid JSON answer', async () => {
  const answer = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false };
  const kinds = new Set<string>();
  for (const seed of [1, 3]) {
    const res = await chat('web-worker', { model: QWEN, messages: ASK, tools: WEATHER, seed, max_tokens: 200, parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: answer } } });
    const choice = JSON.parse(res.body).choices[0];
    if (choice.finish_reason === 'tool_calls') {
      kinds.add('calls');
      expect(choice.message.tool_calls).toHaveLength(1); // parallel_tool_calls: false
      for (const call of choice.message.tool_calls) expect(validate(WEATHER[0].function.parameters, JSON.parse(call.function.arguments))).toBeNull();
    } else {
      kinds.add('answer');
      expect(choice.finish_reason).toBe('stop');
      expect(validate(answer, JSON.parse(choice.message.content))).toBeNull();
    }
  }
  expect(kinds.size).toBeGreaterThan(0);
});

test('tools are rendered through the template with auto, and not with none', async () => {
  const usage = async (extra: Record<string, unknown>) =>
    JSON.parse((await chat('web-worker', { model: QWEN, messages: ASK, seed: 1, max_tokens: 1, ...extra })).body).usage.prompt_tokens;
  const plain = await usage({});
  const auto = await usage({ tools: WEATHER });
  expect(auto).toBeGreaterThan(plain + 40);
  expect(await usage({ tools: WEATHER, tool_choice: 'none' })).toBe(plain);
});

test('streamed tool-call deltas assemble to exactly the non-streamed calls', async () => {
  const body = { model: QWEN, messages: ASK, tools: [...WEATHER, TIME], tool_choice: 'required', seed: 3, max_tokens: 200, parallel_tool_calls: false };
  const whole = JSON.parse((await chat('web-worker', body)).body).choices[0];
  const events = parseSse((await chat('web-worker', { ...body, stream: true })).body).filter((d) => d !== '[DONE]').map((d) => JSON.parse(d));
  const calls: { id: string; type: string; function: { name: string; arguments: string } }[] = [];
  for (const e of events) {
    for (const d of e.choices[0]?.delta?.tool_calls ?? []) {
      calls[d.index] ??= { id: '', type: '', function: { name: '', arguments: '' } };
      calls[d.index].id += d.id ?? '';
      calls[d.index].type = d.type ?? calls[d.index].type;
      calls[d.index].function.name += d.function?.name ?? '';
      calls[d.index].function.arguments += d.function?.arguments ?? '';
    }
  }
  expect(events[events.length - 1].choices[0].finish_reason).toBe('tool_calls');
  const strip = (c: { id: string }[]) => c.map((x) => ({ ...x, id: 'ID' }));
  expect(strip(calls)).toEqual(strip(whole.message.tool_calls));
  expect(calls.every((c) => /^call_/.test(c.id))).toBe(true);
});

test('a tool-call round trip: the call and the tool result go back through the template and are stored faithfully', async () => {
  const first = await chat('web-worker', { model: QWEN, messages: ASK, tools: WEATHER, tool_choice: 'required', seed: 9, max_tokens: 200, parallel_tool_calls: false });
  const conversation = first.headers['x-conversation-id'];
  const call = JSON.parse(first.body).choices[0].message.tool_calls[0];
  const followUp = [
    ...ASK,
    { role: 'assistant', content: null, tool_calls: [call] },
    { role: 'tool', tool_call_id: call.id, content: '{"temperature": 21}' },
  ];
  const second = await chat('web-worker', { model: QWEN, messages: followUp, tools: WEATHER, seed: 9, max_tokens: 8 });
  expect(second.status, second.body).toBe(200);
  const withoutResult = await chat('web-worker', { model: QWEN, messages: ASK, tools: WEATHER, seed: 9, max_tokens: 8 });
  // the call and its result are in the prompt
  expect(JSON.parse(second.body).usage.prompt_tokens).toBeGreaterThan(JSON.parse(withoutResult.body).usage.prompt_tokens + 15);

  // The same exchange in a stored conversation: the call is kept, and replayed with the tool result.
  const third = await chat('web-worker', { model: QWEN, messages: [followUp[2]], tools: WEATHER, seed: 9, max_tokens: 8, conversation_id: conversation });
  expect(third.status, third.body).toBe(200);
  expect(JSON.parse(third.body).usage.prompt_tokens).toBe(JSON.parse(second.body).usage.prompt_tokens);
  const stored = JSON.parse((await pageFetch(pages['web-worker'], `/v1/conversations/${conversation}/messages`)).body).data;
  expect(stored.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
  expect(stored[1].tool_calls).toEqual([call]);
  expect(stored[1].finish_reason).toBe('tool_calls');
  expect(stored[2].tool_call_id).toBe(call.id);
});

test('the official openai client reads the tool calls, streamed and not', async () => {
  const page = pages['web-worker'];
  await page.evaluate("import('/node_modules/openai/index.mjs').then((m) => { globalThis.OpenAI = m.default; })");
  const result = await page.evaluate(async ({ model, tools, messages }) => {
    const OpenAI = (globalThis as unknown as { OpenAI: new (o: object) => any }).OpenAI;
    const client = new OpenAI({ apiKey: 'unused', baseURL: new URL('/v1', location.href).href, dangerouslyAllowBrowser: true });
    const request = { model, messages, tools, tool_choice: 'required', seed: 5, max_tokens: 200, parallel_tool_calls: false };
    const completion = await client.chat.completions.create(request);
    const stream = await client.chat.completions.create({ ...request, stream: true });
    const streamed: { name: string; arguments: string }[] = [];
    let finish = '';
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta?.tool_calls ?? []) {
        streamed[d.index] ??= { name: '', arguments: '' };
        streamed[d.index].name += d.function?.name ?? '';
        streamed[d.index].arguments += d.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    return { message: completion.choices[0].message, finish: completion.choices[0].finish_reason, streamed, streamFinish: finish };
  }, { model: QWEN, tools: WEATHER, messages: ASK });
  expect(result.finish).toBe('tool_calls');
  expect(result.streamFinish).toBe('tool_calls');
  expect(result.message.tool_calls[0].function.name).toBe('get_weather');
  expect(result.streamed).toEqual(result.message.tool_calls.map((c: { function: { name: string; arguments: string } }) => c.function));
  expect(validate(WEATHER[0].function.parameters, JSON.parse(result.message.tool_calls[0].function.arguments))).toBeNull();
});

for (const stream of [false, true]) {
  test(`${stream ? 'streamed' : 'non-streamed'} tool calls and structured output are byte-identical through the service worker and the web worker`, async () => {
    for (const body of [
      { model: QWEN, messages: ASK, tools: [...WEATHER, TIME], tool_choice: 'required', seed: 21, max_tokens: 200, parallel_tool_calls: false, stream },
      { model: TEST_MODEL, messages: [{ role: 'user', content: 'Item:' }], seed: 21, max_tokens: 160, stream, response_format: { type: 'json_schema', json_schema: { name: 'a', schema: SCHEMAS[1] } } },
    ]) {
      const sw = await chat('service-worker', body);
      const worker = await chat('web-worker', body);
      expect(sw.status).toBe(200);
      expect(normalize(worker.body)).toBe(normalize(sw.body));
    }
  });
}

test('Llama 3 template: tools rendered, a forced call comes back in the Llama JSON form, parsed into tool_calls', async () => {
  const load = await postJson(pages['web-worker'], '/v1/models/load', { model: LLAMA });
  expect(load.body).toContain('model.load.done');
  const usage = async (extra: Record<string, unknown>) =>
    JSON.parse((await chat('web-worker', { model: LLAMA, messages: ASK, seed: 1, max_tokens: 1, ...extra })).body).usage.prompt_tokens;
  expect(await usage({ tools: WEATHER })).toBeGreaterThan(await usage({}) + 40);
  const res = await chat('web-worker', { model: LLAMA, messages: ASK, tools: WEATHER, tool_choice: 'required', seed: 4, max_tokens: 120 });
  expect(res.status, res.body).toBe(200);
  const choice = JSON.parse(res.body).choices[0];
  expect(choice.finish_reason).toBe('tool_calls');
  expect(choice.message.tool_calls).toHaveLength(1);
  expect(choice.message.tool_calls[0].function.name).toBe('get_weather');
  expect(validate(WEATHER[0].function.parameters, JSON.parse(choice.message.tool_calls[0].function.arguments))).toBeNull();
});
