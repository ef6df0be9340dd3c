// Page side of the overhead benchmark: the engine called directly in a dedicated worker (no HTTP, no handler).
type Run = { tokens: number; seconds: number };

let worker: Worker | null = null;
let nextId = 0;
const waiting = new Map<number, (r: Run | { error: string }) => void>();

function call(message: Record<string, unknown>): Promise<Run> {
  worker ??= new Worker(new URL('./directWorker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (e) => waiting.get(e.data.id)?.(e.data.result);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, (r) => ('error' in r ? reject(new Error(r.error)) : resolve(r)));
    worker!.postMessage({ ...message, id });
  });
}

Object.assign(globalThis, {
  benchLoad: (url: string, contextWindow: number) => call({ type: 'load', url, contextWindow }),
  benchRun: (maxTokens: number) => call({ type: 'run', maxTokens }),
});
document.body.dataset.ready = 'true';
