// Runtime settings a deployment chooses. The page sends them to whichever runtime answers /v1
// (service worker or web worker), which keeps them in IndexedDB so a restarted service worker has them.
import type { CatalogEntry } from './catalog';

export type RuntimeChoice = 'auto' | 'service-worker' | 'web-worker' | 'server';

export interface HearthConfig {
  /** Where model files are downloaded from; catalog entries' `file` paths are relative to it. */
  modelBaseUrl: string;
  /** Where WebLLM's compiled model libraries (.wasm) are downloaded from. */
  modelLibBaseUrl: string;
  /** A Hearth server that answers when no local model can (null: none). */
  serverBaseUrl: string | null;
  /** Also answer requests addressed to api.openai.com/v1/chat/completions locally. */
  interceptOpenAI: boolean;
  /** Which runtime answers /v1; 'auto' picks the service worker when WebGPU works inside it. */
  runtime: RuntimeChoice;
  /** llama.cpp threads for wllama in a web worker (0: half the cores, when cross-origin isolated). */
  threads: number;
  /** GGUF and MLC models on offer; null: the built-in list (DEFAULT_CATALOG plus WebLLM's DEFAULT_WEBLLM_IDS). */
  models: CatalogEntry[] | null;
}

export const DEFAULT_CONFIG: HearthConfig = {
  modelBaseUrl: 'https://huggingface.co/',
  modelLibBaseUrl: 'https://raw.githubusercontent.com/mlc-ai/binary-mlc-llm-libs/main/web-llm-models/',
  serverBaseUrl: null,
  interceptOpenAI: false,
  runtime: 'auto',
  threads: 0,
  models: null,
};

export function withDefaults(partial: Partial<HearthConfig> | null | undefined): HearthConfig {
  return { ...DEFAULT_CONFIG, ...(partial ?? {}) };
}

/** A URL inside a base, whether or not the base ends with '/'. */
export function resolveUnder(base: string, path: string): string {
  return new URL(path, base.endsWith('/') ? base : base + '/').href;
}
