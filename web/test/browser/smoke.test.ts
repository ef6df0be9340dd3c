import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, type Browser } from '../browser';
import { serve, TEST_MODEL, type TestServer } from '../server';
import { openApp, loadTestModel, postJson, runtimeOf } from './page';

let server: TestServer;
let browser: Browser;
beforeAll(async () => { server = await serve(); browser = await launch(); });
afterAll(async () => { await browser?.close(); await server?.close(); });

for (const runtime of ['web-worker', 'service-worker']) {
  test(`chat completion through the ${runtime}`, async () => {
    const page = await openApp(browser.context, server.url, runtime);
    expect(await runtimeOf(page)).toBe(runtime);
    await loadTestModel(page);
    const res = await postJson(page, '/v1/chat/completions', { model: TEST_MODEL, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 20, temperature: 0 });
    console.log(res.status, res.body);
    expect(res.status).toBe(200);
    await page.close();
  });
}
