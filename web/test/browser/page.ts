// Helpers for tests that drive the app page: open it with a chosen runtime and call /v1 from inside it.
import type { BrowserContext, Page } from 'playwright-core';
import { TEST_MODEL } from '../server';

export async function openApp(context: BrowserContext, base: string, runtime: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(runtime === 'auto' ? `${base}/` : `${base}/?runtime=${runtime}`);
  await page.waitForFunction(() => document.body.dataset.ready !== undefined, null, { timeout: 30_000 });
  const state = await page.evaluate(() => document.body.dataset.ready);
  if (state !== 'true') throw new Error(`app failed to start: ${await page.textContent('#error')}`);
  return page;
}

export interface PageResponse { status: number; headers: Record<string, string>; body: string }

/** fetch() inside the page: goes wherever the page's runtime sends /v1. */
export async function pageFetch(page: Page, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<PageResponse> {
  return await page.evaluate(async ({ path, init }) => {
    const res = await fetch(new URL(path, location.href), init);
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => { headers[k] = v; });
    return { status: res.status, headers, body: await res.text() };
  }, { path, init });
}

export const postJson = (page: Page, path: string, body: unknown, headers: Record<string, string> = {}) =>
  pageFetch(page, path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

export async function loadTestModel(page: Page): Promise<string> {
  const res = await postJson(page, '/v1/models/load', { model: TEST_MODEL });
  if (res.status !== 200 || !res.body.includes('model.load.done')) throw new Error(`load failed: ${res.status} ${res.body}`);
  return res.body;
}

export async function runtimeOf(page: Page): Promise<string> {
  return await page.evaluate(() => (globalThis as unknown as { hearth: { runtime: string } }).hearth.runtime);
}
