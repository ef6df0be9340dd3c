// The baseline: WllamaEngine.generate called directly inside a dedicated worker, single-threaded like the
// service worker's engine. Decode speed: tokens after the first one over the time from first to last token.
import { WllamaEngine } from '../src/wllamaEngine';

let engine: WllamaEngine | null = null;

self.onmessage = async (e: MessageEvent) => {
  const { id, type } = e.data;
  try {
    if (type === 'load') {
      const blob = await (await fetch(e.data.url)).blob();
      engine = await WllamaEngine.load(blob, { modelId: 'bench', contextWindow: e.data.contextWindow, threads: 1, chatTemplate: false });
      self.postMessage({ id, result: { tokens: 0, seconds: 0 } });
      return;
    }
    let first = 0, last = 0, pieces = 0;
    await engine!.generate([{ role: 'user', content: 'Once upon a time' }],
      { maxTokens: e.data.maxTokens, temperature: 0, topP: 1, seed: 1, stop: [] },
      () => { last = performance.now(); if (pieces++ === 0) first = last; });
    self.postMessage({ id, result: { tokens: pieces - 1, seconds: (last - first) / 1000 } });
  } catch (err) {
    self.postMessage({ id, result: { error: String(err) } });
  }
};
