// The browser-engine bridge end to end: a page running stories260K in wllama lends its engine to a real `hearth serve`
// over a WebSocket, and the server answers requests for browser/stories260K with it.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launch, type Browser } from '../browser';
import { serve, TEST_MODEL, type TestServer } from '../server';
import { openApp, loadTestModel } from './page';

const REPO = resolve(__dirname, '..', '..', '..');
const HEARTH_DLL = process.env.HEARTH_DLL ?? join(REPO, 'src', 'Hearth.Server', 'bin', 'Release', 'net10.0', 'hearth.dll');

let web: TestServer;
let browser: Browser;
let hearth: { url: string; process: ChildProcess; home: string };

/** A real `hearth serve` on a free loopback port that lets the test page's origin in. */
async function startHearth(corsOrigin: string) {
  if (!existsSync(HEARTH_DLL)) execFileSync('dotnet', ['build', join(REPO, 'src', 'Hearth.Server'), '-c', 'Release'], { stdio: 'inherit' });
  const home = mkdtempSync(join(tmpdir(), 'hearth-bridge-'));
  const child = spawn('dotnet', [HEARTH_DLL, 'serve', '--port', '0', '--home', home, '--cors-origin', corsOrigin], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /Hearth listening on (http:\/\/\S+)/.exec(out);
      if (m) ok(m[1].replace(/\/$/, ''));
    });
    child.stderr!.on('data', (d) => { out += String(d); });
    child.on('exit', (code) => fail(new Error(`hearth exited (${code}) before listening: ${out}`)));
  });
  return { url, process: child, home };
}

async function listed(id: string) {
  const res = await fetch(`${hearth.url}/v1/models`);
  const body = (await res.json()) as { data: { id: string; provider: string; local: boolean }[] };
  return body.data.find((m) => m.id === id);
}

async function until<T>(what: () => Promise<T | undefined | false>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await what();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

beforeAll(async () => {
  web = await serve();
  hearth = await startHearth(web.url);
  browser = await launch();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  hearth?.process.kill('SIGKILL');
  if (hearth) rmSync(hearth.home, { recursive: true, force: true });
});

test('a page lends its wllama engine to the server as browser/stories260K', async () => {
  const page = await openApp(browser.context, web.url, 'web-worker');
  await loadTestModel(page);
  const offered = await page.evaluate(async (server) => {
    const api = (globalThis as unknown as { hearthApi: { offerEngine(s: string): { ready: Promise<void>; models: string[] } } }).hearthApi;
    const connection = api.offerEngine(server);
    await connection.ready;
    return connection.models;
  }, `${hearth.url.replace(/^http/, 'ws')}/v1/bridge`);
  expect(offered).toEqual([TEST_MODEL]);

  const model = await until(() => listed(`browser/${TEST_MODEL}`));
  expect(model).toMatchObject({ provider: 'browser', local: true });

  const res = await fetch(`${hearth.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: `browser/${TEST_MODEL}`, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 16, temperature: 0 }),
  });
  const body = await res.text();
  expect(res.status, body).toBe(200);
  expect(res.headers.get('x-hearth-provider')).toBe('browser');
  // stories260K's greedy continuation, computed by wllama in the page.
  expect(JSON.parse(body).choices[0].message.content).toMatch(/^, there was a little girl named Lily/);

  const stream = await fetch(`${hearth.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: `browser/${TEST_MODEL}`, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 8, temperature: 0, stream: true }),
  });
  const events = (await stream.text()).split('\n\n').filter((e) => e.startsWith('data: '));
  expect(events.at(-1)).toBe('data: [DONE]');
  expect(events.length).toBeGreaterThan(3);

  // The page goes away, and so does its model.
  await page.close();
  await until(async () => !(await listed(`browser/${TEST_MODEL}`)));
}, 120_000);
