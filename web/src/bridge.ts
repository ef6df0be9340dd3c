// The browser-engine bridge, page side: offers this page's in-browser runtime to a Hearth server over a WebSocket,
// where its models become provider "browser/<model>". Requests arrive as {type:"generate"} and are answered by this
// page's own /v1/chat/completions (whichever runtime serves it: service worker or web worker), streamed back as
// {type:"text"} frames, then {type:"done"} or {type:"error"}. {type:"cancel"} stops a generation.
import { readSse } from './sse';

export interface BridgeConnection {
  /** Resolves once the server has been told which models this page offers. */
  ready: Promise<void>;
  /** Models offered. */
  models: string[];
  close(): void;
}

interface GenerateFrame {
  type: 'generate';
  id: string;
  model: string;
  messages: { role: string; content: string }[];
  options: Record<string, unknown>;
}

const api = (path: string) => new URL(`v1/${path}`, document.baseURI).href;

/** @param server The server's bridge address, e.g. ws://127.0.0.1:11435/v1/bridge. @param models Default: the loaded ones. */
export function offerEngine(server: string, models?: string[]): BridgeConnection {
  const socket = new WebSocket(server);
  const running = new Map<string, AbortController>();
  const connection: BridgeConnection = { ready: Promise.resolve(), models: [], close: () => socket.close() };
  const send = (frame: unknown) => { if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame)); };

  connection.ready = new Promise<void>((resolve, reject) => {
    socket.onerror = () => reject(new Error(`The bridge to ${server} failed.`));
    socket.onopen = async () => {
      try {
        const list = (await (await fetch(api('models'))).json()) as { data: { id: string; loaded?: boolean; context_window?: number }[] };
        const offered = list.data.filter((m) => (models ? models.includes(m.id) : m.loaded));
        connection.models = offered.map((m) => m.id);
        send({ type: 'hello', models: offered.map((m) => ({ id: m.id, context_window: m.context_window ?? null })) });
        resolve();
      } catch (e) { reject(e); }
    };
  });

  socket.onmessage = (event) => {
    const frame = JSON.parse(String(event.data)) as GenerateFrame | { type: 'cancel'; id: string };
    if (frame.type === 'cancel') running.get(frame.id)?.abort();
    else if (frame.type === 'generate') void generate(frame);
  };
  socket.onclose = () => { for (const c of running.values()) c.abort(); };

  async function generate(frame: GenerateFrame) {
    const abort = new AbortController();
    running.set(frame.id, abort);
    try {
      // Only the options the server sent (nulls left out), so the page's runtime applies its own defaults.
      const options = Object.fromEntries(Object.entries(frame.options ?? {}).filter(([, v]) => v !== null && v !== undefined));
      const res = await fetch(api('chat/completions'), {
        method: 'POST', signal: abort.signal, headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: frame.model, messages: frame.messages, stream: true, stream_options: { include_usage: true }, ...options }),
      });
      if (!res.ok || !res.body) {
        const error = (await res.json().catch(() => ({}))) as { error?: { message?: string; code?: string } };
        send({ type: 'error', id: frame.id, message: error.error?.message ?? `HTTP ${res.status}`, code: error.error?.code ?? null });
        return;
      }
      let finish: string | null = null;
      let usage: { prompt_tokens?: number; completion_tokens?: number } = {};
      for await (const data of readSse(res.body)) {
        if (data === '[DONE]') break;
        const chunk = JSON.parse(data) as {
          error?: { message?: string; code?: string };
          choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
          usage?: { prompt_tokens: number; completion_tokens: number } | null;
        };
        if (chunk.error) { send({ type: 'error', id: frame.id, message: chunk.error.message ?? 'error', code: chunk.error.code ?? null }); return; }
        const choice = chunk.choices?.[0];
        if (choice?.delta?.content) send({ type: 'text', id: frame.id, text: choice.delta.content });
        if (choice?.finish_reason) finish = choice.finish_reason;
        if (chunk.usage) usage = chunk.usage;
      }
      send({ type: 'done', id: frame.id, finish_reason: finish ?? 'stop', prompt_tokens: usage.prompt_tokens ?? null, completion_tokens: usage.completion_tokens ?? null });
    } catch (e) {
      if (!abort.signal.aborted) send({ type: 'error', id: frame.id, message: String(e), code: null });
    } finally {
      running.delete(frame.id);
    }
  }

  return connection;
}
