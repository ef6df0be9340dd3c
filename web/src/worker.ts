// The web-worker runtime: the same handler as the service worker, reached through fetchRouter.ts's messages.
// Requests arrive with a MessagePort; the response goes back as its head, then body chunks, then the end.
/// <reference lib="webworker" />
import { Runtime, isControlMessage } from './runtime';

declare const self: DedicatedWorkerGlobalScope;

const runtime = new Runtime('web-worker');

export interface WorkerFetch {
  type: 'hearth.fetch';
  url: string;
  apiPath: string;
  method: string;
  headers: [string, string][];
  body: ArrayBuffer | null;
}

export type WorkerReply =
  | { type: 'head'; status: number; statusText: string; headers: [string, string][] }
  | { type: 'chunk'; bytes: Uint8Array }
  | { type: 'end' }
  | { type: 'error'; message: string };

self.onmessage = async (event: MessageEvent) => {
  const port = event.ports[0];
  const data = event.data;
  if (isControlMessage(data)) {
    try {
      const config = await runtime.configure(data.config);
      port?.postMessage({ ok: true, config, caps: await runtime.caps() });
    } catch (err) {
      port?.postMessage({ ok: false, error: String(err) });
    }
    return;
  }
  if (data?.type === 'hearth.fetch') await serve(data as WorkerFetch, port);
};

async function serve(msg: WorkerFetch, port: MessagePort) {
  const abort = new AbortController();
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  port.onmessage = (e) => { if (e.data?.type === 'abort') { abort.abort(); reader?.cancel().catch(() => {}); } };
  const post = (reply: WorkerReply, transfer: Transferable[] = []) => port.postMessage(reply, transfer);
  try {
    const request = new Request(msg.url, { method: msg.method, headers: msg.headers, body: msg.body, signal: abort.signal });
    const response = await runtime.handle(request, msg.apiPath);
    post({ type: 'head', status: response.status, statusText: response.statusText, headers: [...response.headers] });
    if (response.body) {
      reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        // Transfer the bytes (no copy) when the chunk owns its whole buffer; copy a view into a shared one.
        const own = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice();
        post({ type: 'chunk', bytes: own }, [own.buffer as ArrayBuffer]);
      }
    }
    post({ type: 'end' });
  } catch (err) {
    post({ type: 'error', message: (err as Error)?.message ?? String(err) });
  } finally {
    port.close();
  }
}
