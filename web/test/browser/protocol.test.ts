// protocol/cases.json, the cases the C# server runs too, against both browser runtimes.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, type Browser } from '../browser';
import { serve, TEST_MODEL, type TestServer } from '../server';
import { openApp, loadTestModel, pageFetch } from './page';
import { runCases } from '../protocolRunner';

let server: TestServer;
let browser: Browser;
beforeAll(async () => { server = await serve(); browser = await launch(); });
afterAll(async () => { await browser?.close(); await server?.close(); });

for (const runtime of ['service-worker', 'web-worker']) {
  test(`shared protocol cases pass through the ${runtime}`, async () => {
    const page = await openApp(browser.context, server.url, runtime);
    await loadTestModel(page);
    const send = (r: Parameters<Parameters<typeof runCases>[0]>[0]) => pageFetch(page, r.path, {
      method: r.method, headers: r.headers, body: r.body ?? undefined,
    });
    const { failures, ran } = await runCases(send, TEST_MODEL);
    expect(ran).toBeGreaterThan(50);
    expect(failures).toEqual([]);
    await page.close();
  });
}
