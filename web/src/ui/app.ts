// The chat UI: conversations, streaming messages, a model picker with download progress, storage, runtime badge.
// It talks only to /v1 with fetch, so it works the same over the service worker, the web worker or a server.
import './style.css';
import { startHearth, getEngine, type Hearth } from '../main';
import type { HearthConfig, RuntimeChoice } from '../config';
import { readSse } from '../sse';
import { offerEngine } from '../bridge';
import { requestPersistence } from '../modelStore';

interface ModelInfo { id: string; cached: boolean; compatible: boolean; loaded: boolean; engine: string; size_bytes: number | null; incompatible_reason?: string }
interface ConversationInfo { id: string; title: string }
interface MessageInfo { role: string; content: string }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const api = (path: string) => new URL(`v1/${path}`, document.baseURI).href;

let currentConversation: string | null = null;
let models: ModelInfo[] = [];

function showError(message: string | null, offerDelete = false) {
  const box = $<HTMLDivElement>('error');
  box.hidden = !message;
  box.textContent = message ?? '';
  if (message && offerDelete) {
    const button = document.createElement('button');
    button.textContent = 'Delete a model to free space';
    button.onclick = () => $<HTMLSelectElement>('model-picker').focus();
    box.append(' ', button);
  }
}

async function errorOf(res: Response): Promise<{ message: string; code: string | null }> {
  try {
    const body = await res.json();
    return { message: body.error?.message ?? `HTTP ${res.status}`, code: body.error?.code ?? null };
  } catch {
    return { message: `HTTP ${res.status}`, code: null };
  }
}

const megabytes = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`;

async function refreshStorage() {
  const estimate = await navigator.storage?.estimate?.();
  const persisted = await navigator.storage?.persisted?.();
  $('storage').textContent = estimate
    ? `Storage: ${megabytes(estimate.usage ?? 0)} used of ${megabytes(estimate.quota ?? 0)}${persisted ? ' (persistent)' : ''}`
    : 'Storage: unknown';
}

async function refreshModels() {
  const res = await fetch(api('models'));
  if (!res.ok) return showError((await errorOf(res)).message);
  models = (await res.json()).data;
  const picker = $<HTMLSelectElement>('model-picker');
  const selected = picker.value;
  picker.replaceChildren(...models.map((m) => {
    const option = document.createElement('option');
    option.value = m.id;
    const state = m.loaded ? 'loaded' : m.cached ? 'downloaded' : m.compatible ? (m.size_bytes ? megabytes(m.size_bytes) : 'download') : 'not supported here';
    option.textContent = `${m.id} — ${m.engine}, ${state}`;
    option.disabled = !m.compatible;
    return option;
  }));
  picker.value = selected || (models.find((m) => m.loaded) ?? models.find((m) => m.cached) ?? models.find((m) => m.compatible))?.id || '';
}

async function loadSelectedModel() {
  const id = $<HTMLSelectElement>('model-picker').value;
  const bar = $<HTMLProgressElement>('load-progress');
  const status = $('load-status');
  bar.hidden = false;
  bar.value = 0;
  showError(null);
  const res = await fetch(api('models/load'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: id }) });
  if (!res.ok || !res.body) { bar.hidden = true; return showError((await errorOf(res)).message); }
  for await (const data of readSse(res.body)) {
    if (data === '[DONE]') break;
    const event = JSON.parse(data);
    if (event.error) { showError(event.error.message, event.error.code === 'storage_quota_exceeded'); break; }
    if (event.object === 'model.load.progress') {
      bar.value = event.progress;
      const eta = event.eta_seconds != null && event.progress < 1 ? `, about ${Math.ceil(event.eta_seconds)} s left` : '';
      status.textContent = `${event.status} ${Math.round(event.progress * 100)}%${eta}`;
    } else if (event.object === 'model.load.done') {
      status.textContent = `${event.model} ready (${event.engine})`;
    }
  }
  bar.hidden = true;
  await Promise.all([refreshModels(), refreshStorage()]);
}

async function deleteSelectedModel() {
  const id = $<HTMLSelectElement>('model-picker').value;
  const res = await fetch(api(`models/${encodeURIComponent(id)}`), { method: 'DELETE' });
  if (!res.ok) showError((await errorOf(res)).message);
  await Promise.all([refreshModels(), refreshStorage()]);
}

async function refreshConversations() {
  const res = await fetch(api('conversations'));
  if (!res.ok) return showError((await errorOf(res)).message);
  const list: ConversationInfo[] = (await res.json()).data;
  $('conversations').replaceChildren(...list.map((c) => {
    const li = document.createElement('li');
    li.textContent = c.title || 'Untitled';
    li.dataset.id = c.id;
    li.classList.toggle('active', c.id === currentConversation);
    li.onclick = () => openConversation(c.id);
    return li;
  }));
}

function addMessage(role: string, content: string): HTMLDivElement {
  const div = document.createElement('div');
  div.className = `message ${role}`;
  div.textContent = content;
  $('messages').append(div);
  div.scrollIntoView({ block: 'end' });
  return div;
}

async function openConversation(id: string | null) {
  currentConversation = id;
  $('messages').replaceChildren();
  if (id) {
    const res = await fetch(api(`conversations/${id}/messages`));
    if (!res.ok) return showError((await errorOf(res)).message);
    for (const m of (await res.json()).data as MessageInfo[]) addMessage(m.role, m.content);
  }
  await refreshConversations();
}

async function send(text: string) {
  const model = $<HTMLSelectElement>('model-picker').value;
  showError(null);
  addMessage('user', text);
  const bubble = addMessage('assistant', '');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (currentConversation) headers['x-conversation-id'] = currentConversation;
  const res = await fetch(api('chat/completions'), {
    method: 'POST', headers,
    body: JSON.stringify({ model, messages: [{ role: 'user', content: text }], stream: true, max_tokens: 256 }),
  });
  if (!res.ok || !res.body) {
    bubble.remove();
    const err = await errorOf(res);
    return showError(err.message, err.code === 'storage_quota_exceeded');
  }
  currentConversation = res.headers.get('x-conversation-id') ?? currentConversation;
  for await (const data of readSse(res.body)) {
    if (data === '[DONE]') break;
    const chunk = JSON.parse(data);
    if (chunk.error) { showError(chunk.error.message); break; }
    bubble.textContent += chunk.choices?.[0]?.delta?.content ?? '';
  }
  await refreshConversations();
}

function showRuntime(hearth: Hearth) {
  const names: Record<string, string> = { 'service-worker': 'service worker', 'web-worker': 'web worker', server: 'server' };
  const badge = $('runtime-badge');
  badge.textContent = names[hearth.runtime];
  badge.title = `Runtime: ${names[hearth.runtime]} (${hearth.reason})`;
  document.body.dataset.runtime = hearth.runtime;
}

function watchOnline() {
  const update = () => { $('offline-badge').hidden = navigator.onLine; };
  addEventListener('online', update);
  addEventListener('offline', update);
  update();
}

/** Settings: config.json beside the page (a deployment's choice), then ?runtime= and friends for this visit. */
async function readConfig(): Promise<Partial<HearthConfig>> {
  let config: Partial<HearthConfig> = {};
  try {
    const res = await fetch(new URL('config.json', document.baseURI), { cache: 'no-store' });
    if (res.ok) config = await res.json();
  } catch { /* offline or absent: defaults */ }
  const query = new URLSearchParams(location.search);
  const runtime = query.get('runtime');
  if (runtime) config.runtime = runtime as RuntimeChoice;
  if (query.get('server')) config.serverBaseUrl = query.get('server');
  return config;
}

async function boot() {
  watchOnline();
  const hearth = await startHearth(await readConfig());
  (globalThis as unknown as { hearth: Hearth }).hearth = hearth;
  // offerEngine: lend this page's runtime to a Hearth server as provider browser/<model> (bridge.ts).
  (globalThis as unknown as { hearthApi: unknown }).hearthApi = { getEngine, offerEngine };
  showRuntime(hearth);
  void requestPersistence().then(refreshStorage);
  $('new-chat').onclick = () => openConversation(null);
  $('load-model').onclick = () => loadSelectedModel().catch((e) => showError(String(e)));
  $('delete-model').onclick = () => deleteSelectedModel().catch((e) => showError(String(e)));
  $<HTMLFormElement>('composer').onsubmit = (e) => {
    e.preventDefault();
    const prompt = $<HTMLTextAreaElement>('prompt');
    const text = prompt.value.trim();
    if (!text) return;
    prompt.value = '';
    send(text).catch((err) => showError(String(err)));
  };
  // One panel failing (say, a server without conversations) must not keep the rest of the page from working.
  const failed = (await Promise.allSettled([refreshModels(), refreshConversations(), refreshStorage()]))
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) showError(String(failed[0].reason?.message ?? failed[0].reason));
  document.body.dataset.ready = 'true';
}

boot().catch((err) => { showError(`Hearth could not start: ${err?.message ?? err}`); document.body.dataset.ready = 'error'; });
