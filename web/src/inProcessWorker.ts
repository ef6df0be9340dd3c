// Service workers cannot start workers (no Worker constructor, no blob URLs), yet wllama runs llama.cpp in a
// worker it builds from a blob. Inside a service worker we give it a Worker that runs the same code on the
// service worker's own thread, exchanging messages through the event loop as a real worker would.
// Single-threaded only: llama.cpp's pthreads would need real workers.

type Listener = ((e: { data: unknown }) => void) | null;

const blobs = new Map<string, Blob>();
let nextBlobId = 0;

/**
 * Delivers a message after the current code, as postMessage does, in order. Mostly as a microtask, which costs
 * nothing; but at least every few milliseconds as a new task (a MessageChannel hop, since nested timers are clamped
 * to 4 ms), so that a long generation still lets the service worker stream its answer and hear aborts.
 */
const later = (() => {
  const queue: (() => void)[] = [];
  let channel: MessageChannel | null = null;
  let lastYield = 0;
  return (run: () => void) => {
    const now = performance.now();
    if (queue.length === 0 && now - lastYield < 4) {
      queueMicrotask(run);
      return;
    }
    if (!channel) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => { lastYield = performance.now(); queue.shift()?.(); };
    }
    queue.push(run);
    channel.port2.postMessage(null);
  };
})();

class InProcessWorker {
  onmessage: Listener = null;
  onerror: ((e: unknown) => void) | null = null;
  private workerSide: () => Listener = () => null;
  private terminated = false;
  private started: Promise<void>;

  constructor(url: string | URL) {
    const blob = blobs.get(String(url));
    if (!blob) throw new Error(`InProcessWorker: unknown script ${String(url)}`);
    this.started = blob.text().then(async (code) => {
      // The worker code assigns `onmessage` and calls `postMessage` as globals: both become parameters here,
      // and `navigator` is a view whose `gpu` can be hidden without touching the service worker's own.
      const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<() => Listener>;
      const body = code.replace(/try\{Object\.defineProperty\(WorkerNavigator\.prototype,"gpu".*?catch\(e\)\{\}/, '');
      const hideGpu = body !== code;
      const run = new AsyncFunction('postMessage', 'onmessage', 'navigator', `${body}\n;return () => onmessage;`);
      this.workerSide = await run(
        (data: unknown) => later(() => { if (!this.terminated) this.onmessage?.({ data }); }),
        null,
        navigatorView(hideGpu),
      );
    }).catch((err) => { this.onerror?.(err); throw err; });
  }

  postMessage(data: unknown) {
    this.started.then(() => later(() => { if (!this.terminated) this.workerSide()?.({ data }); }));
  }

  terminate() { this.terminated = true; }
  addEventListener() { /* wllama only uses onmessage/onerror */ }
  removeEventListener() { /* idem */ }
}

function navigatorView(hideGpu: boolean): Navigator {
  const real = (globalThis as unknown as { navigator: Navigator }).navigator;
  return new Proxy(real, {
    get(target, prop) {
      if (prop === 'gpu' && hideGpu) return { requestAdapter: async () => null };
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Installs the in-process Worker and blob URLs where the platform lacks them (service workers). */
export function installInProcessWorkers(): boolean {
  const g = globalThis as unknown as Record<string, unknown>;
  if (typeof g.Worker === 'function') return false;
  URL.createObjectURL = (obj: Blob | MediaSource) => {
    const url = `blob:hearth-in-process/${nextBlobId++}`;
    blobs.set(url, obj as Blob);
    return url;
  };
  URL.revokeObjectURL = (url: string) => { blobs.delete(url); };
  g.Worker = InProcessWorker;
  return true;
}
