// Runtime detection: which runtime answers /v1 in this page, and which engine this device should use.
//   service worker — when service workers exist and WebGPU works inside one (Chromium 124+), or when forced;
//   web worker     — otherwise (Firefox, iOS Safari), with fetchRouter.ts installed over globalThis.fetch;
//   server         — a Hearth server at config.serverBaseUrl answers everything.
// The service worker is registered in every case: it also keeps the app shell for offline use.
import { withDefaults, type HearthConfig, type RuntimeChoice } from './config';
import type { DeviceCaps } from './device';
import { installFetchRouter, type FetchRouter } from './fetchRouter';

export type ActiveRuntime = Exclude<RuntimeChoice, 'auto'>;

export interface Hearth {
  runtime: ActiveRuntime;
  /** What the device can do, probed inside the runtime that runs the engine (null for 'server'). */
  caps: DeviceCaps | null;
  config: HearthConfig;
  /** Why auto-detection chose this runtime. */
  reason: string;
  router: FetchRouter | null;
  worker: Worker | null;
}

interface ConfigureReply { ok: boolean; caps?: DeviceCaps; error?: string }

function ask(target: { postMessage(m: unknown, t: Transferable[]): void }, config: Partial<HearthConfig>, timeoutMs = 15000): Promise<ConfigureReply> {
  return new Promise((resolve, reject) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => reject(new Error('the runtime did not answer')), timeoutMs);
    channel.port1.onmessage = (e) => { clearTimeout(timer); resolve(e.data as ConfigureReply); };
    target.postMessage({ type: 'hearth.configure', config }, [channel.port2]);
  });
}

/** Registers the service worker and waits until it controls this page (null if it cannot). */
async function serviceWorkerController(timeoutMs = 15000): Promise<ServiceWorker | null> {
  if (!('serviceWorker' in navigator)) return null;
  try {
    await navigator.serviceWorker.register(new URL('sw.js', document.baseURI), { scope: './' });
  } catch {
    return null;
  }
  if (navigator.serviceWorker.controller) return navigator.serviceWorker.controller;
  return await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    navigator.serviceWorker.addEventListener('controllerchange', () => { clearTimeout(timer); resolve(navigator.serviceWorker.controller); }, { once: true });
  });
}

export async function startHearth(partial: Partial<HearthConfig> = {}): Promise<Hearth> {
  const config = withDefaults(partial);
  const scopePath = new URL('./', document.baseURI).pathname;
  const controller = await serviceWorkerController();

  if (config.runtime === 'server') {
    if (!config.serverBaseUrl) throw new Error("runtime 'server' needs serverBaseUrl");
    const router = installFetchRouter(null, { scopePath, interceptOpenAI: config.interceptOpenAI, serverBaseUrl: config.serverBaseUrl });
    return { runtime: 'server', caps: null, config, reason: 'chosen', router, worker: null };
  }

  if (controller && config.runtime !== 'web-worker') {
    const reply = await ask(controller, partial).catch(() => null);
    const webgpu = !!reply?.caps?.webgpu;
    if (reply?.ok && (config.runtime === 'service-worker' || webgpu)) {
      // A new service worker version takes over on update: give it the same settings.
      navigator.serviceWorker.addEventListener('controllerchange', () => {
        const next = navigator.serviceWorker.controller;
        if (next) ask(next, partial).catch(() => {});
      });
      const reason = config.runtime === 'service-worker' ? 'chosen' : 'WebGPU works inside the service worker';
      return { runtime: 'service-worker', caps: reply.caps ?? null, config, reason, router: null, worker: null };
    }
  }

  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'hearth-runtime' });
  const reply = await ask(worker, partial);
  if (!reply.ok) throw new Error(`The Hearth web worker failed to start: ${reply.error}`);
  const router = installFetchRouter(worker, { scopePath, interceptOpenAI: config.interceptOpenAI });
  const reason = config.runtime === 'web-worker' ? 'chosen'
    : controller ? 'WebGPU does not work inside the service worker' : 'no service worker';
  return { runtime: 'web-worker', caps: reply.caps ?? null, config, reason, router, worker };
}

/** The engine this device should use: WebLLM when a WebGPU model fits here, else wllama (asks the runtime). */
export async function getEngine(): Promise<'webllm' | 'wllama'> {
  const res = await fetch(new URL('v1/models', document.baseURI));
  const list = (await res.json()) as { data: { engine: string; compatible: boolean }[] };
  return list.data.some((m) => m.engine === 'webllm' && m.compatible) ? 'webllm' : 'wllama';
}
