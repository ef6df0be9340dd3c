// Once a model is cached, chat keeps working with the page's server gone, and a service worker that the browser
// stopped comes back with its engine on the next request.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, type Browser } from '../browser';
import { serve, TEST_MODEL, type TestServer } from '../server';
import { openApp, loadTestModel, postJson, pageFetch, runtimeOf } from './page';

let server: TestServer;
let browser: Browser;
beforeAll(async () => { server = await serve(); browser = await launch(); });
afterAll(async () => { await browser?.close(); await server?.close(); });

const ask = { model: TEST_MODEL, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 8, temperature: 0 };

test('a service worker stopped by the browser re-creates its engine on the next request', async () => {
  const page = await openApp(browser.context, server.url, 'service-worker');
  await loadTestModel(page);
  const before = await postJson(page, '/v1/chat/completions', ask);
  const started = JSON.parse((await pageFetch(page, '/v1/runtime')).body).started_at;
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  const after = await postJson(page, '/v1/chat/completions', ask);
  expect(after.status).toBe(200);
  const restarted = JSON.parse((await pageFetch(page, '/v1/runtime')).body);
  expect(restarted.started_at).toBeGreaterThan(started);
  expect(restarted.loaded_model.id).toBe(TEST_MODEL);
  expect(JSON.parse(after.body).choices[0].message.content).toBe(JSON.parse(before.body).choices[0].message.content);
  await page.close();
});

test('with the server stopped, the page opens from cache and chat works through both runtimes', async () => {
  const worker = await openApp(browser.context, server.url, 'web-worker');
  await loadTestModel(worker);
  await worker.close();
  await server.close();
  for (const runtime of ['service-worker', 'web-worker']) {
    const page = await openApp(browser.context, server.url, runtime);
    expect(await runtimeOf(page)).toBe(runtime);
    const res = await postJson(page, '/v1/chat/completions', ask);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).choices[0].message.content).toMatch(/^, there was a/);
    await page.close();
  }
});
