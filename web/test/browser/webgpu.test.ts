// WebGPU detection and the WebLLM path, with Chromium's SwiftShader as a real (software) WebGPU adapter.
// No MLC model artifacts are available offline, so WebLLM is tested up to its first download: adapter detection
// inside the service worker, model fit, config (base URLs) and cache state.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, WEBGPU_FLAGS, type Browser } from '../browser';
import { serve, testConfig, type TestServer } from '../server';
import { openApp, pageFetch, postJson } from './page';
import { webllmCatalog } from '../../src/webllmEngine';
import { DEFAULT_WEBLLM_IDS } from '../../src/catalog';
import { parseSse } from '../../src/sse';

let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  server = await serve({
    config: (base) => ({
      models: [...testConfig(base).models, ...webllmCatalog(DEFAULT_WEBLLM_IDS)],
      modelLibBaseUrl: `${base}/webllm-libs/`,
    }),
  });
  browser = await launch(WEBGPU_FLAGS);
});
afterAll(async () => { await browser?.close(); await server?.close(); });

interface Model { id: string; engine: string; compatible: boolean; cached: boolean; incompatible_reason?: string }

test('with WebGPU inside the service worker, auto-detection picks the service worker and WebLLM', async () => {
  const page = await openApp(browser.context, server.url, 'auto');
  const hearth = await page.evaluate(() => (globalThis as unknown as { hearth: { runtime: string; reason: string; caps: { webgpu: { features: string[] } | null } } }).hearth);
  expect(hearth.runtime).toBe('service-worker');
  expect(hearth.reason).toBe('WebGPU works inside the service worker');
  expect(hearth.caps.webgpu).not.toBeNull();
  expect(await page.textContent('#runtime-badge')).toBe('service worker');

  const runtime = JSON.parse((await pageFetch(page, '/v1/runtime')).body);
  expect(runtime.device.webgpu.maxStorageBufferBindingSize).toBeGreaterThan(0);

  const models: Model[] = JSON.parse((await pageFetch(page, '/v1/models')).body).data;
  const byId = (id: string) => models.find((m) => m.id === id)!;
  const hasF16 = hearth.caps.webgpu!.features.includes('shader-f16');
  expect(byId('Qwen2.5-0.5B-Instruct-q4f16_1-MLC').compatible).toBe(hasF16);
  if (!hasF16) expect(byId('Qwen2.5-0.5B-Instruct-q4f16_1-MLC').incompatible_reason).toMatch(/shader-f16/);
  expect(byId('Qwen2.5-0.5B-Instruct-q4f32_1-MLC')).toMatchObject({ engine: 'webllm', compatible: true, cached: false });
  expect(byId('stories260K')).toMatchObject({ engine: 'wllama', compatible: true });
  expect(await page.evaluate(async () => {
    const { getEngine } = (globalThis as unknown as { hearthApi: { getEngine(): Promise<string> } }).hearthApi;
    return await getEngine();
  })).toBe('webllm');
  await page.close();
});

test('a WebLLM load fetches from the configured model base URL and reports a missing model clearly', async () => {
  const page = await openApp(browser.context, server.url, 'auto');
  const res = await postJson(page, '/v1/models/load', { model: 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC' });
  expect(res.status).toBe(200);
  const events = parseSse(res.body);
  expect(events.at(-1)).toBe('[DONE]');
  const error = JSON.parse(events.at(-2)!).error;
  expect(error.code).toBe('model_download_failed');
  expect(error.message).toMatch(/Could not load the WebLLM model 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC' from http:\/\/127\.0\.0\.1:\d+\/models\/mlc-ai\//);
  expect(server.requests.some((r) => r.startsWith('GET /models/mlc-ai/Qwen2.5-0.5B-Instruct-q4f32_1-MLC/'))).toBe(true);
  // Chat with a WebLLM model that is not downloaded is a clear 400, not a hang.
  const chat = await postJson(page, '/v1/chat/completions', { model: 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC', messages: [{ role: 'user', content: 'hi' }] });
  expect(chat.status).toBe(400);
  expect(JSON.parse(chat.body).error.code).toBe('model_not_loaded');
  await page.close();
});

test('without WebGPU, auto-detection picks the web worker and wllama', async () => {
  const plain = await launch();
  try {
    const page = await openApp(plain.context, server.url, 'auto');
    const hearth = await page.evaluate(() => (globalThis as unknown as { hearth: { runtime: string; reason: string } }).hearth);
    expect(hearth).toMatchObject({ runtime: 'web-worker', reason: 'WebGPU does not work inside the service worker' });
    expect(await page.textContent('#runtime-badge')).toBe('web worker');
  } finally {
    await plain.close();
  }
});
