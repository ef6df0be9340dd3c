// Owns the one loaded model of a runtime (service worker or web worker): finds catalog entries, says which
// are cached and compatible, downloads and loads them, and re-creates the engine after the service worker
// was killed (the last loaded model id is kept in IndexedDB).
import { DEFAULT_CATALOG, DEFAULT_WEBLLM_IDS, findModel, type CatalogEntry } from './catalog';
import { resolveUnder, type HearthConfig } from './config';
import type { ChatEngine } from './engine';
import { modelFit, probeDevice, type DeviceCaps, type Fit } from './device';
import * as store from './modelStore';
import { WllamaEngine } from './wllamaEngine';
import { WebLlmEngine, webllmAppConfig, webllmCatalog, isWebllmCached, deleteWebllmModel } from './webllmEngine';
import { ApiError } from './errors';
import type { HearthDb } from './db';

export interface LoadProgress { loaded: number; total: number | null; fraction: number; etaSeconds: number | null; text: string }

export interface ModelStatus { entry: CatalogEntry; cached: boolean; fit: Fit; loaded: boolean }

const LAST_MODEL_KEY = 'lastLoadedModel';

export class EngineHost {
  private engine: ChatEngine | null = null;
  private loading: Promise<ChatEngine> | null = null;
  private capsPromise: Promise<DeviceCaps> | null = null;

  constructor(private readonly db: HearthDb, private config: HearthConfig, private readonly inServiceWorker: boolean) {}

  setConfig(config: HearthConfig) { this.config = config; }
  getConfig(): HearthConfig { return this.config; }
  get loaded(): ChatEngine | null { return this.engine; }

  caps(): Promise<DeviceCaps> { return (this.capsPromise ??= probeDevice()); }

  catalog(): CatalogEntry[] {
    return this.config.models ?? [...DEFAULT_CATALOG, ...webllmCatalog(DEFAULT_WEBLLM_IDS)];
  }

  find(id: string): CatalogEntry | undefined { return findModel(this.catalog(), id); }

  modelUrl(entry: CatalogEntry): string { return resolveUnder(this.config.modelBaseUrl, entry.file); }

  private appConfig() { return webllmAppConfig(this.catalog(), this.config.modelBaseUrl, this.config.modelLibBaseUrl); }

  async isCached(entry: CatalogEntry): Promise<boolean> {
    try {
      return entry.engine === 'wllama' ? await store.isCached(this.modelUrl(entry)) : await isWebllmCached(entry.id, this.appConfig());
    } catch {
      return false;
    }
  }

  async statuses(): Promise<ModelStatus[]> {
    const caps = await this.caps();
    return await Promise.all(this.catalog().map(async (entry) => ({
      entry, cached: await this.isCached(entry), fit: modelFit(entry, caps), loaded: this.engine?.modelId === entry.id,
    })));
  }

  /** The engine for this model if it is loaded or can be loaded from the cache without a download; else null. */
  async ready(entry: CatalogEntry): Promise<ChatEngine | null> {
    if (this.engine?.broken) {
      await this.engine.unload().catch(() => {});
      this.engine = null;
    }
    if (this.engine?.modelId === entry.id) return this.engine;
    if (!(await this.isCached(entry))) return null;
    const caps = await this.caps();
    if (!modelFit(entry, caps).compatible) return null;
    return await this.load(entry, () => {});
  }

  /** Re-creates the last loaded model's engine (after a service worker restart), if its files are cached. */
  async restore(): Promise<void> {
    if (this.engine || this.loading) return;
    const id = await this.db.getSetting<string>(LAST_MODEL_KEY);
    const entry = id ? this.find(id) : undefined;
    if (entry) await this.ready(entry).catch(() => null);
  }

  /** Downloads (if needed) and loads a model, replacing the loaded one. Concurrent calls share one load. */
  async load(entry: CatalogEntry, onProgress: (p: LoadProgress) => void): Promise<ChatEngine> {
    if (this.engine?.modelId === entry.id) {
      onProgress({ loaded: 1, total: 1, fraction: 1, etaSeconds: 0, text: 'already loaded' });
      return this.engine;
    }
    while (this.loading) await this.loading.catch(() => null);
    if (this.engine?.modelId === entry.id) return this.engine;
    const fit = modelFit(entry, await this.caps());
    if (!fit.compatible) {
      throw new ApiError(400, `The model '${entry.id}' cannot run on this device: ${fit.reason}.`, 'invalid_request_error', 'model', 'model_not_compatible');
    }
    this.loading = this.loadNow(entry, onProgress);
    try {
      return await this.loading;
    } finally {
      this.loading = null;
    }
  }

  private async loadNow(entry: CatalogEntry, onProgress: (p: LoadProgress) => void): Promise<ChatEngine> {
    const previous = this.engine;
    this.engine = null;
    await previous?.unload().catch(() => {});
    let engine: ChatEngine;
    if (entry.engine === 'wllama') {
      const blob = await store.download(this.modelUrl(entry), (p) => onProgress({
        ...p, fraction: p.total ? p.loaded / p.total : 0, text: 'downloading',
      }));
      onProgress({ loaded: blob.size, total: blob.size, fraction: 1, etaSeconds: 0, text: 'loading into memory' });
      const caps = await this.caps();
      // Threads need SharedArrayBuffer (cross-origin isolation) and workers (not in a service worker).
      // Default: half the logical cores (about the physical ones), and both cores of a dual-core machine.
      const cores = navigator.hardwareConcurrency || 2;
      const threads = this.inServiceWorker || !caps.crossOriginIsolated ? 1
        : this.config.threads || (cores >= 4 ? Math.floor(cores / 2) : cores);
      engine = await WllamaEngine.load(blob, { modelId: entry.id, contextWindow: entry.contextWindow, threads, chatTemplate: entry.chatTemplate ?? false });
    } else {
      const started = Date.now();
      engine = await WebLlmEngine.load(entry, this.appConfig(), (fraction, text) => {
        const seconds = (Date.now() - started) / 1000;
        onProgress({ loaded: fraction, total: 1, fraction, etaSeconds: fraction > 0 && fraction < 1 ? seconds * (1 - fraction) / fraction : null, text });
      });
    }
    this.engine = engine;
    await this.db.setSetting(LAST_MODEL_KEY, entry.id);
    return engine;
  }

  /** Unloads the model if loaded and deletes its cached files. */
  async remove(entry: CatalogEntry): Promise<boolean> {
    if (this.engine?.modelId === entry.id) {
      await this.engine.unload().catch(() => {});
      this.engine = null;
    }
    if (entry.engine === 'wllama') return await store.deleteCached(this.modelUrl(entry));
    const had = await this.isCached(entry);
    await deleteWebllmModel(entry.id, this.appConfig());
    return had;
  }
}
