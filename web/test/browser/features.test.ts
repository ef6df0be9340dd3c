// Opt-in answering of api.openai.com, the fallback to a Hearth server, and multi-threaded wllama when the page is
// cross-origin isolated.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createServer, type Server } from 'node:http';
import { launch, type Browser } from '../browser';
import { serve, TEST_MODEL, type TestServer } from '../server';
import { openApp, loadTestModel, postJson, pageFetch } from './page';

let server: TestServer;
let browser: Browser;
let upstream: Server;
let upstreamUrl = '';
const upstreamSeen: string[] = [];

beforeAll(async () => {
  // Stands in for a Hearth server: answers any chat completion with a fixed text, recording what it got.
  // It allows cross-origin calls (CORS), as a Hearth server must for pages served elsewhere.
  upstream = createServer((req, res) => {
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': '*', 'access-control-expose-headers': '*' };
    if (req.method === 'OPTIONS') { res.writeHead(204, cors); res.end(); return; }
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      upstreamSeen.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(200, { ...cors, 'content-type': 'application/json', 'x-conversation-id': 'server-conv' });
      if (req.method === 'GET') return res.end(JSON.stringify({ object: 'list', data: [], has_more: false }));
      res.end(JSON.stringify({ id: 'chatcmpl-server', object: 'chat.completion', created: 1, model: JSON.parse(body || '{}').model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'from the server' }, finish_reason: 'stop' }] }));
    });
  });
  await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', () => ok()));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  server = await serve({ config: () => ({ interceptOpenAI: true, serverBaseUrl: upstreamUrl }) });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await new Promise((ok) => { upstream?.closeAllConnections(); upstream?.close(ok); });
});

for (const runtime of ['service-worker', 'web-worker']) {
  test(`opted in, api.openai.com chat completions are answered locally by the ${runtime}`, async () => {
    const page = await openApp(browser.context, server.url, runtime);
    await loadTestModel(page);
    await page.evaluate("import('/node_modules/openai/index.mjs').then((m) => { globalThis.OpenAI = m.default; })");
    const answer = await page.evaluate(async (model) => {
      const OpenAI = (globalThis as unknown as { OpenAI: new (o: object) => any }).OpenAI;
      const client = new OpenAI({ apiKey: 'sk-not-sent-anywhere', dangerouslyAllowBrowser: true }); // default base URL
      const raw = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 8, temperature: 0 }).withResponse();
      return { text: raw.data.choices[0].message.content, runtime: raw.response.headers.get('x-hearth-runtime'), url: raw.response.url };
    }, TEST_MODEL);
    expect(answer.text).toMatch(/^, there was a/);
    expect(answer.runtime).toBe(runtime);
    await page.close();
  });

  test(`with no local model for a request, the ${runtime} hands it to the Hearth server`, async () => {
    const page = await openApp(browser.context, server.url, runtime);
    const before = upstreamSeen.length;
    const res = await postJson(page, '/v1/chat/completions', { model: 'server-only-model', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    expect(res.headers['x-hearth-runtime']).toBe('server');
    expect(JSON.parse(res.body).choices[0].message.content).toBe('from the server');
    expect(upstreamSeen.length).toBe(before + 1);
    expect(upstreamSeen.at(-1)).toMatch(/^POST \/v1\/chat\/completions .*server-only-model/);
    // The local model still answers locally.
    await loadTestModel(page);
    const local = await postJson(page, '/v1/chat/completions', { model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    expect(local.headers['x-hearth-runtime']).toBe(runtime);
    await page.close();
  });
}

test("the 'server' runtime sends all of /v1 to the Hearth server", async () => {
  const page = await openApp(browser.context, server.url, 'server');
  const res = await postJson(page, '/v1/chat/completions', { model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }] });
  expect(JSON.parse(res.body).choices[0].message.content).toBe('from the server');
  expect(await page.textContent('#runtime-badge')).toBe('server');
  await page.close();
});

test('a cross-origin isolated page runs wllama multi-threaded in the web worker, with the same greedy answer', async () => {
  const isolated = await serve({ isolated: true });
  const b = await launch();
  try {
    const page = await openApp(b.context, isolated.url, 'web-worker');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await loadTestModel(page);
    const info = JSON.parse((await pageFetch(page, '/v1/runtime')).body);
    expect(info.device.crossOriginIsolated).toBe(true);
    expect(info.loaded_model.threads).toBeGreaterThan(1);
    const res = await postJson(page, '/v1/chat/completions', { model: TEST_MODEL, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 16, temperature: 0 });
    expect(JSON.parse(res.body).choices[0].message.content).toMatch(/^, there was a little girl named Lily/);
  } finally {
    await b.close();
    await isolated.close();
  }
});
