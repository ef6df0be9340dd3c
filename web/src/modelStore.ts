// GGUF weights in the browser's Cache Storage, keyed by their URL. The Cache API works the same in pages,
// web workers and service workers, so every runtime sees one copy. WebLLM keeps its own cache (see webllmEngine.ts).
import { isQuotaError, storageQuotaExceeded, ApiError } from './errors';

const CACHE_NAME = 'hearth-models-v1';

export interface DownloadProgress {
  loaded: number;
  total: number | null;
  /** Seconds left at the average speed so far; null until it can be estimated. */
  etaSeconds: number | null;
}

export async function isCached(url: string): Promise<boolean> {
  const cache = await caches.open(CACHE_NAME);
  return (await cache.match(url)) !== undefined;
}

export async function cachedBlob(url: string): Promise<Blob | null> {
  const cache = await caches.open(CACHE_NAME);
  const hit = await cache.match(url);
  return hit ? await hit.blob() : null;
}

export async function deleteCached(url: string): Promise<boolean> {
  const cache = await caches.open(CACHE_NAME);
  return await cache.delete(url);
}

/** Downloads url into the cache, reporting progress, unless it is already there. Returns the file. */
export async function download(url: string, onProgress: (p: DownloadProgress) => void, signal?: AbortSignal): Promise<Blob> {
  const existing = await cachedBlob(url);
  if (existing) {
    onProgress({ loaded: existing.size, total: existing.size, etaSeconds: 0 });
    return existing;
  }
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (err) {
    throw new ApiError(502, `Could not download the model from ${url}: ${(err as Error).message}. ` +
      'Check the network or the model base URL.', 'server_error', null, 'model_download_failed');
  }
  if (!response.ok || !response.body) {
    throw new ApiError(502, `Downloading ${url} failed with HTTP ${response.status}. Check the model base URL.`,
      'server_error', null, 'model_download_failed');
  }
  const header = response.headers.get('content-length');
  const total = header ? Number(header) : null;
  await ensureRoom(total);
  const chunks: Uint8Array[] = [];
  const started = Date.now();
  let loaded = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    const seconds = (Date.now() - started) / 1000;
    const etaSeconds = total && seconds > 0.2 ? ((total - loaded) * seconds) / loaded : null;
    onProgress({ loaded, total, etaSeconds });
  }
  const blob = new Blob(chunks as BlobPart[], { type: 'application/octet-stream' });
  try {
    const cache = await caches.open(CACHE_NAME);
    await cache.put(url, new Response(blob, { headers: { 'content-length': String(blob.size) } }));
  } catch (err) {
    if (isQuotaError(err)) throw await quotaError(blob.size);
    throw err;
  }
  onProgress({ loaded, total: loaded, etaSeconds: 0 });
  return blob;
}

async function ensureRoom(needed: number | null): Promise<void> {
  if (needed === null || !navigator.storage?.estimate) return;
  const { usage = 0, quota = Infinity } = await navigator.storage.estimate();
  if (quota - usage < needed) throw storageQuotaExceeded(needed, quota - usage);
}

async function quotaError(needed: number): Promise<ApiError> {
  const { usage = 0, quota = 0 } = (await navigator.storage?.estimate?.()) ?? {};
  return storageQuotaExceeded(needed, Math.max(0, quota - usage));
}

/** Asks the browser not to evict our data under storage pressure; returns whether it agreed. */
export async function requestPersistence(): Promise<boolean> {
  try {
    return (await navigator.storage?.persisted?.()) || (await navigator.storage?.persist?.()) || false;
  } catch {
    return false;
  }
}
