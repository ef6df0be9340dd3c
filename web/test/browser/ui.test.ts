// The chat UI as a person uses it: pick and download a model, watch progress, chat with a streamed answer,
// see the conversation listed, storage used, the runtime badge and the offline indicator, delete the model.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, type Browser } from '../browser';
import { serve, TEST_MODEL, type TestServer } from '../server';
import { openApp } from './page';

let server: TestServer;
let browser: Browser;
beforeAll(async () => { server = await serve(); browser = await launch(); });
afterAll(async () => { await browser?.close(); await server?.close(); });

test('download a model, chat, see it listed, go offline, delete the model', async () => {
  const page = await openApp(browser.context, server.url, 'web-worker');
  expect(await page.textContent('#runtime-badge')).toBe('web worker');
  expect(await page.inputValue('#model-picker')).toBe(TEST_MODEL);
  expect(await page.textContent('#model-picker option')).toMatch(/stories260K — wllama, 1\.2 MB/);

  await page.click('#load-model');
  await page.waitForFunction(() => /ready/.test(document.querySelector('#load-status')!.textContent ?? ''));
  expect(await page.isHidden('#load-progress')).toBe(true);
  // The picker refreshes after the load finishes.
  await page.waitForFunction(() => /loaded/.test(document.querySelector('#model-picker option')?.textContent ?? ''));
  await page.waitForFunction(() => /Storage: [\d.]+ MB used/.test(document.querySelector('#storage')!.textContent ?? ''));

  await page.fill('#prompt', 'Once upon a time');
  await page.click('#send');
  await page.waitForFunction(() => (document.querySelector('.message.assistant')?.textContent ?? '').length > 40);
  expect(await page.textContent('.message.user')).toBe('Once upon a time');
  await page.waitForSelector('#conversations li.active');
  expect(await page.textContent('#conversations li.active')).toBe('Once upon a time');
  expect(await page.isHidden('#error')).toBe(true);

  await browser.context.setOffline(true);
  await page.waitForSelector('#offline-badge:not([hidden])');
  await browser.context.setOffline(false);
  await page.waitForSelector('#offline-badge', { state: 'hidden' });
  await page.screenshot({ path: process.env.HEARTH_SCREENSHOT ?? '/tmp/hearth-ui.png' });

  await page.click('#delete-model');
  await page.waitForFunction(() => !/loaded|downloaded/.test(document.querySelector('#model-picker option')?.textContent ?? 'loaded'));
  // Chatting now fails clearly: the model must be downloaded again.
  await page.fill('#prompt', 'Hello');
  await page.click('#send');
  await page.waitForSelector('#error:not([hidden])');
  expect(await page.textContent('#error')).toMatch(/not downloaded yet/);
});
