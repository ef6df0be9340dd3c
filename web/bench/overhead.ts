// Decode tokens/s through the service worker's /v1 route (and the web worker's) against the engine called directly
// in a worker. Same model, prompt, greedy decoding and one thread everywhere. The three are run interleaved, round
// after round, and each reports its median, so load from other processes hits all three alike.
// Decode speed = (pieces after the first) / (time from the first piece to the last), as each consumer sees them.
//   npm run build && npm run bench        (BENCH_ROUNDS, BENCH_TOKENS; models from ../shared/models)
import { execSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launch } from '../test/browser';
import { serve, testConfig } from '../test/server';
import { openApp } from '../test/browser/page';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const MAX_TOKENS = Number(process.env.BENCH_TOKENS ?? 128);
const MODELS = [
  { id: 'stories260K', file: 'stories260K.gguf', contextWindow: 512, maxTokens: MAX_TOKENS },
  // Random weights: wllama 3.8.1 crashes on some token sequences past about 60 tokens, so fewer here.
  { id: 'tiny-qwen2-q8_0', file: 'tiny-qwen2-q8_0.gguf', contextWindow: 512, maxTokens: Math.min(MAX_TOKENS, 48) },
];

type Run = { tokens: number; seconds: number };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One streamed completion from inside an app page, timed as the page receives the pieces. */
function viaHttp(page: Page, model: string, maxTokens: number): Promise<Run> {
  return page.evaluate(async ({ model, maxTokens }) => {
    const res = await fetch('/v1/chat/completions', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: maxTokens, temperature: 0, seed: 1, stream: true }),
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '', pieces = 0, first = 0, last = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(6, cut);
        buffer = buffer.slice(cut + 2);
        if (event === '[DONE]') continue;
        if (JSON.parse(event).choices?.[0]?.delta?.content) { last = performance.now(); if (pieces++ === 0) first = last; }
      }
    }
    return { tokens: pieces - 1, seconds: (last - first) / 1000 };
  }, { model, maxTokens });
}

async function main() {
  execSync('npx vite build --config bench/vite.config.ts', { cwd: resolve(__dirname, '..'), stdio: 'inherit' });
  const server = await serve({ config: (base) => ({ models: MODELS.map((m) => ({ ...testConfig(base).models[0], ...m })) }) });
  const browser = await launch();
  try {
    for (const model of MODELS) {
      const sw = await openApp(browser.context, server.url, 'service-worker');
      const ww = await openApp(browser.context, server.url, 'web-worker');
      for (const page of [sw, ww]) {
        await page.evaluate(async (id) => {
          const text = await (await fetch('/v1/models/load', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: id }) })).text();
          if (!text.includes('model.load.done')) throw new Error(`load failed: ${text.slice(-300)}`);
        }, model.id);
      }
      const direct = await browser.context.newPage();
      await direct.goto(`${server.url}/bench-page/index.html`);
      await direct.waitForFunction(() => document.body.dataset.ready === 'true');
      const runDirect = () => direct.evaluate((t) => (globalThis as unknown as { benchRun(t: number): Promise<Run> }).benchRun(t), model.maxTokens);
      await direct.evaluate(({ url, ctx }) => (globalThis as unknown as { benchLoad(u: string, c: number): Promise<Run> }).benchLoad(url, ctx),
        { url: `${server.url}/models/${model.file}`, ctx: model.contextWindow });

      const rates: Record<string, number[]> = { direct: [], sw: [], ww: [] };
      for (let round = 0; round <= ROUNDS; round++) {
        const results = { direct: await runDirect(), sw: await viaHttp(sw, model.id, model.maxTokens), ww: await viaHttp(ww, model.id, model.maxTokens) };
        if (round === 0) continue; // warm-up
        for (const [k, r] of Object.entries(results)) rates[k].push(r.tokens / r.seconds);
      }
      const base = median(rates.direct);
      const line = (name: string, r: number) => `  ${name.padEnd(34)} ${r.toFixed(1).padStart(8)} tokens/s` +
        (name.startsWith('engine') ? '' : `  (${((1 - r / base) * 100).toFixed(1)}% overhead)`);
      console.log(`\n${model.id}: up to ${model.maxTokens} tokens, greedy, 1 thread, median of ${ROUNDS} interleaved rounds`);
      console.log(line('engine called directly in a worker', base));
      console.log(line('service worker, /v1 stream', median(rates.sw)));
      console.log(line('web worker + fetch router, /v1 stream', median(rates.ww)));
      await Promise.all([sw.close(), ww.close(), direct.close()]);
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
