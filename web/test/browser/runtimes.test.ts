// The two browser runtimes end to end: the openai client unchanged, byte-identical answers, memory across reloads.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { launch, type Browser } from '../browser';
import { serve, TEST_MODEL, type TestServer } from '../server';
import { openApp, loadTestModel, postJson, pageFetch, runtimeOf } from './page';

let server: TestServer;
let browser: Browser;
const pages: Record<string, Page> = {};
const RUNTIMES = ['service-worker', 'web-worker'] as const;

beforeAll(async () => {
  server = await serve();
  browser = await launch();
  for (const runtime of RUNTIMES) {
    pages[runtime] = await openApp(browser.context, server.url, runtime);
    await loadTestModel(pages[runtime]);
  }
});
afterAll(async () => { await browser?.close(); await server?.close(); });

/** Only the response id and creation time may differ between two answers to the same request. */
const normalize = (body: string) => body.replace(/chatcmpl-[A-Za-z0-9]{24}/g, 'chatcmpl-ID').replace(/"created":\d+/g, '"created":0');

for (const runtime of RUNTIMES) {
  test(`the ${runtime} answers a chat completion, and says so`, async () => {
    const page = pages[runtime];
    expect(await runtimeOf(page)).toBe(runtime);
    const res = await postJson(page, '/v1/chat/completions', {
      model: TEST_MODEL, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 16, temperature: 0,
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-hearth-runtime']).toBe(runtime);
    const body = JSON.parse(res.body);
    // stories260K's greedy continuation (shared/models/reference/stories260K.jsonl).
    expect(body.choices[0].message.content).toMatch(/^, there was a little girl named Lily/);
    expect(body.usage).toEqual({ prompt_tokens: body.usage.prompt_tokens, completion_tokens: 16, total_tokens: body.usage.prompt_tokens + 16 });
  });

  test(`the official openai client works unchanged against the ${runtime}`, async () => {
    // Loaded as the npm package ships it (a string, so the test runner leaves the import alone).
    await pages[runtime].evaluate("import('/node_modules/openai/index.mjs').then((m) => { globalThis.OpenAI = m.default; })");
    const result = await pages[runtime].evaluate(async (model) => {
      const OpenAI = (globalThis as unknown as { OpenAI: new (o: object) => any }).OpenAI;
      const client = new OpenAI({ apiKey: 'unused', baseURL: new URL('/v1', location.href).href, dangerouslyAllowBrowser: true });
      const completion = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 8, temperature: 0 });
      const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 8, temperature: 0, stream: true });
      let streamed = '';
      for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
      const models = await client.models.list();
      let notFound = '';
      try { await client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }); } catch (e) { notFound = `${(e as { status: number }).status} ${(e as { code: string }).code}`; }
      return { text: completion.choices[0].message.content, streamed, ids: models.data.map((m: { id: string }) => m.id), notFound };
    }, TEST_MODEL);
    expect(result.text).toMatch(/^, there was a/);
    expect(result.streamed).toBe(result.text);
    expect(result.ids).toContain(TEST_MODEL);
    expect(result.notFound).toBe('404 model_not_found');
  });
}

for (const stream of [false, true]) {
  test(`${stream ? 'streamed' : 'non-streamed'} answers are byte-identical through both runtimes for one request and seed`, async () => {
    const request = { model: TEST_MODEL, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 24, temperature: 0.9, seed: 1234, stream };
    const [sw, worker] = [await postJson(pages['service-worker'], '/v1/chat/completions', request), await postJson(pages['web-worker'], '/v1/chat/completions', request)];
    expect(sw.status).toBe(200);
    expect(worker.headers['content-type']).toBe(sw.headers['content-type']);
    expect(normalize(worker.body)).toBe(normalize(sw.body));
    expect(sw.body.length).toBeGreaterThan(50);
    // The seed matters: another seed samples another story.
    const other = await postJson(pages['service-worker'], '/v1/chat/completions', { ...request, seed: 99 });
    expect(normalize(other.body)).not.toBe(normalize(sw.body));
  });
}

test('conversations and their messages survive a reload, with history replayed', async () => {
  const page = pages['service-worker'];
  const first = await postJson(page, '/v1/chat/completions', { model: TEST_MODEL, messages: [{ role: 'user', content: 'Lily had a red ball' }], max_tokens: 6 });
  const id = first.headers['x-conversation-id'];
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  const second = await postJson(page, '/v1/chat/completions', { model: TEST_MODEL, messages: [{ role: 'user', content: 'She threw it' }], max_tokens: 6 }, { 'x-conversation-id': id });
  // The stored turns are replayed: the second prompt is longer than its own message.
  expect(JSON.parse(second.body).usage.prompt_tokens).toBeGreaterThan(JSON.parse(first.body).usage.prompt_tokens + 4);
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  const messages = JSON.parse((await pageFetch(page, `/v1/conversations/${id}/messages`)).body);
  expect(messages.data.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  expect(messages.data[2].content).toBe('She threw it');
  // The UI lists it too.
  await page.waitForSelector(`#conversations li[data-id="${id}"]`);
  expect(await page.textContent(`#conversations li[data-id="${id}"]`)).toBe('Lily had a red ball');
});
