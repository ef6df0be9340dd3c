// The service-worker runtime: answers /v1 for every page it controls (and api.openai.com when opted in), and keeps
// the app shell cached so the page opens offline. Killed while idle, it re-creates its engine on the next request.
/// <reference lib="webworker" />
import { installInProcessWorkers } from './inProcessWorker';
import { Runtime, isControlMessage } from './runtime';
import { apiPathOf } from './handler';

declare const self: ServiceWorkerGlobalScope;

installInProcessWorkers();
const runtime = new Runtime('service-worker');
const SHELL_CACHE = 'hearth-shell-v1';
const scopePath = new URL(self.registration.scope).pathname;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    const manifest = await fetch(new URL('shell-manifest.json', self.registration.scope), { cache: 'no-store' });
    const files: string[] = manifest.ok ? await manifest.json() : [];
    await cache.addAll(['./', ...files].map((f) => new URL(f, self.registration.scope).href));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('message', (event) => {
  const port = event.ports[0];
  if (isControlMessage(event.data)) {
    event.waitUntil(runtime.configure(event.data.config).then(
      async (config) => port?.postMessage({ ok: true, config, caps: await runtime.caps() }),
      (err) => port?.postMessage({ ok: false, error: String(err) })));
  }
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  const apiPath = apiPathOf(url, scopePath, true);
  if (apiPath) {
    event.respondWith((async () => {
      const config = await runtime.config();
      const local = url.origin === self.location.origin || config.interceptOpenAI;
      return local ? runtime.handle(event.request, apiPath) : fetch(event.request);
    })());
    return;
  }
  if (event.request.method === 'GET' && url.origin === self.location.origin) event.respondWith(fromShell(event.request));
});

/**
 * App shell. Pages and config.json are network-first (fresh when online) and remembered for offline use;
 * the hashed assets are cache-first. Either way the other source is the fallback.
 */
async function fromShell(request: Request): Promise<Response> {
  const cache = await caches.open(SHELL_CACHE);
  const url = new URL(request.url);
  const fresh = request.mode === 'navigate' || url.pathname.endsWith('/config.json');
  const key = request.mode === 'navigate' ? new URL('./', self.registration.scope).href : url.origin + url.pathname;
  if (!fresh) {
    const hit = await cache.match(key);
    if (hit) return hit;
  }
  try {
    const response = await fetch(request);
    if (fresh && response.ok) await cache.put(key, response.clone());
    return response;
  } catch (err) {
    const hit = await cache.match(key);
    if (hit) return hit;
    throw err;
  }
}
