// Limits a long-lived page meets: a conversation outgrowing the context window (the oldest turns slide out), and a
// browser with no room left for a model (a clear 507, and the UI offers to delete one).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, type Browser } from '../browser';
import { serve, TEST_MODEL, type TestServer } from '../server';
import { loadTestModel, openApp, pageFetch, postJson } from './page';

let server: TestServer;
let browser: Browser;
beforeAll(async () => { server = await serve(); browser = await launch(); });
afterAll(async () => { await browser?.close(); await server?.close(); });

// About 180 of stories260K's tokens each: three such turns with their replies overflow its 512-token window.
const longTurn = (n: number) => `Turn ${n}. ` + 'Lily and Tom went to the park to play with a big red ball. '.repeat(10);

test('a conversation longer than the context window keeps answering: the oldest turns slide out, the new ones stay', async () => {
  const page = await openApp(browser.context, server.url, 'web-worker');
  await loadTestModel(page);
  const ask = (content: string, conversation?: string) => postJson(page, '/v1/chat/completions',
    { model: TEST_MODEL, messages: [{ role: 'user', content }], max_tokens: 40, seed: 1 },
    conversation ? { 'x-conversation-id': conversation } : {});

  const first = await ask(longTurn(1));
  expect(first.status).toBe(200);
  const id = first.headers['x-conversation-id'];
  const alone = JSON.parse(first.body).usage.prompt_tokens;
  expect(alone).toBeGreaterThan(120);

  const prompts = [alone];
  for (let n = 2; n <= 4; n++) {
    const res = await ask(longTurn(n), id);
    expect(res.status, res.body).toBe(200);
    prompts.push(JSON.parse(res.body).usage.prompt_tokens);
  }
  // Every prompt fits the window, so some history was dropped; and the second turn still replayed the first.
  for (const p of prompts) expect(p).toBeLessThanOrEqual(512);
  expect(prompts[1]).toBeGreaterThan(alone + 100);
  expect(prompts[3]).toBeLessThan(4 * alone);
  // All turns are kept in memory, only the prompt is windowed.
  const stored = JSON.parse((await pageFetch(page, `/v1/conversations/${id}/messages`)).body).data;
  expect(stored).toHaveLength(8);

  // A single message that cannot fit is refused, not truncated.
  const huge = await ask('Lily and Tom went to the park. '.repeat(200));
  expect(huge.status).toBe(400);
  expect(JSON.parse(huge.body).error.code).toBe('context_length_exceeded');
  await page.close();
});

test('with no room left in the browser, a download fails with a clear 507 and the UI offers to delete a model', async () => {
  // A fresh origin (its own port), with nothing stored yet.
  const fresh = await serve();
  const page = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(page);
  await page.goto(`${fresh.url}/?runtime=web-worker`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  // A real quota, enforced by Chromium's storage layer: 200 kB more than the app shell uses, less than the 1.2 MB model.
  const used = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: fresh.url, quotaSize: used + 200_000 });
  const load = await postJson(page, '/v1/models/load', { model: TEST_MODEL });
  // The load answers SSE; its error event carries the quota error.
  expect(load.body).toMatch(/"code":"storage_quota_exceeded"/);
  expect(load.body).toMatch(/Delete a downloaded model/);

  await page.click('#load-model');
  await page.waitForSelector('#error:not([hidden])');
  expect(await page.textContent('#error')).toMatch(/no room left to store this model/);
  expect(await page.textContent('#error button')).toMatch(/Delete a model/);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: fresh.url });
  await page.close();
  await fresh.close();
});
