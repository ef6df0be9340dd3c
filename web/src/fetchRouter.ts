// The web-worker path: replaces globalThis.fetch so that /v1 requests (and api.openai.com ones, when opted in)
// go to the worker, and rebuilds the worker's answer as a Response whose body streams the very bytes the
// handler produced (JSON, or SSE for stream: true). Everything else goes to the real fetch.
import type { WorkerFetch, WorkerReply } from './worker';
import { apiPathOf } from './handler';

export interface RouterOptions {
  /** Path the app is served under (its /v1 lives below it). */
  scopePath: string;
  interceptOpenAI: boolean;
  /** Where /v1 goes instead of a worker (the 'server' runtime); null sends it to the worker. */
  serverBaseUrl?: string | null;
}

export interface FetchRouter { uninstall(): void; originalFetch: typeof fetch }

export function installFetchRouter(worker: Worker | null, options: RouterOptions): FetchRouter {
  const originalFetch = globalThis.fetch.bind(globalThis);
  const routed: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const apiPath = apiPathOf(new URL(request.url), options.scopePath, options.interceptOpenAI);
    if (!apiPath) return originalFetch(input, init);
    if (!worker) {
      const target = new URL(apiPath.slice(1), options.serverBaseUrl!.endsWith('/') ? options.serverBaseUrl! : options.serverBaseUrl + '/');
      const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
      return originalFetch(target, { method: request.method, headers: request.headers, body, signal: request.signal });
    }
    return await viaWorker(worker, request, apiPath);
  };
  globalThis.fetch = routed;
  return { originalFetch, uninstall: () => { if (globalThis.fetch === routed) globalThis.fetch = originalFetch; } };
}

async function viaWorker(worker: Worker, request: Request, apiPath: string): Promise<Response> {
  if (request.signal.aborted) throw new DOMException('The request was aborted.', 'AbortError');
  const body = request.method === 'GET' || request.method === 'HEAD' ? null : await request.arrayBuffer();
  const channel = new MessageChannel();
  const port = channel.port1;
  const message: WorkerFetch = {
    type: 'hearth.fetch', url: request.url, apiPath, method: request.method, headers: [...request.headers], body,
  };
  worker.postMessage(message, [channel.port2, ...(body ? [body] : [])]);

  return await new Promise<Response>((resolve, reject) => {
    let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
    let settled = false;
    const abort = () => {
      port.postMessage({ type: 'abort' });
      const err = new DOMException('The request was aborted.', 'AbortError');
      if (!settled) { settled = true; reject(err); } else controller?.error(err);
      port.close();
    };
    request.signal.addEventListener('abort', abort, { once: true });
    const stream = new ReadableStream<Uint8Array>({
      start: (c) => { controller = c; },
      cancel: () => { port.postMessage({ type: 'abort' }); port.close(); },
    });
    port.onmessage = (e: MessageEvent<WorkerReply>) => {
      const reply = e.data;
      if (reply.type === 'head') {
        settled = true;
        const nullBody = reply.status === 204 || reply.status === 304;
        resolve(new Response(nullBody ? null : stream, { status: reply.status, statusText: reply.statusText, headers: reply.headers }));
      } else if (reply.type === 'chunk') {
        controller?.enqueue(reply.bytes);
      } else if (reply.type === 'end') {
        request.signal.removeEventListener('abort', abort);
        controller?.close();
        port.close();
      } else if (reply.type === 'error') {
        const err = new TypeError(`Hearth worker failed: ${reply.message}`);
        if (!settled) { settled = true; reject(err); } else controller?.error(err);
        port.close();
      }
    };
  });
}
