// The models a runtime offers. A GGUF model runs on wllama (llama.cpp in WebAssembly, any browser);
// an MLC model runs on WebLLM (WebGPU). Each entry says how big it is and how much context it has.

export interface CatalogEntry {
  id: string;
  engine: 'wllama' | 'webllm';
  /** Path of the GGUF file (wllama) or the MLC weights folder (webllm), relative to modelBaseUrl. */
  file: string;
  /** WebLLM model library file name, relative to modelLibBaseUrl. */
  modelLib?: string;
  contextWindow: number;
  sizeBytes?: number;
  /** WebLLM: GPU memory the model needs. */
  vramRequiredMB?: number;
  /** WebLLM: the model is small enough for phones. */
  lowResourceRequired?: boolean;
  /** WebLLM: WebGPU features it needs, e.g. shader-f16. */
  requiredFeatures?: string[];
  /** True when the model ships a chat template; false formats prompts by plain concatenation. */
  chatTemplate?: boolean;
  ownedBy?: string;
}

export const DEFAULT_CATALOG: CatalogEntry[] = [
  { id: 'stories260K', engine: 'wllama', file: 'ggml-org/models/resolve/main/tinyllamas/stories260K.gguf',
    contextWindow: 512, sizeBytes: 1185376, chatTemplate: false, ownedBy: 'karpathy' },
  { id: 'qwen2.5-0.5b-instruct-q4_k_m', engine: 'wllama',
    file: 'Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf',
    contextWindow: 4096, sizeBytes: 491400032, chatTemplate: true, ownedBy: 'qwen' },
];

/** WebLLM models offered by default; their records come from WebLLM's own prebuilt list (see webllmEngine.ts). */
export const DEFAULT_WEBLLM_IDS = [
  'Qwen2.5-0.5B-Instruct-q4f16_1-MLC',
  'Qwen2.5-0.5B-Instruct-q4f32_1-MLC',
  'Llama-3.2-1B-Instruct-q4f32_1-MLC',
  'SmolLM2-360M-Instruct-q4f32_1-MLC',
];

export function findModel(models: CatalogEntry[], id: string): CatalogEntry | undefined {
  return models.find((m) => m.id === id);
}
