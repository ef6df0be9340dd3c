// WebLLM: MLC-compiled models on WebGPU. Its records come from WebLLM's own prebuilt list, re-pointed at the
// deployment's model and library base URLs; its weights live in WebLLM's IndexedDB cache.
import {
  CreateMLCEngine, prebuiltAppConfig, modelVersion, hasModelInCache, deleteModelAllInfoInCache,
  type AppConfig, type MLCEngine, type ModelRecord,
} from '@mlc-ai/web-llm';
import type { CatalogEntry } from './catalog';
import type { ChatEngine, GenerateOptions, GenerateResult } from './engine';
import type { ChatMessage } from './wire';
import { resolveUnder } from './config';
import { ApiError, contextLengthExceeded, isQuotaError, storageQuotaExceeded } from './errors';
import type { ToolCallFormat } from './toolCallFormat';

const HF = 'https://huggingface.co/';
const LIB_PREFIX = 'https://raw.githubusercontent.com/mlc-ai/binary-mlc-llm-libs/main/web-llm-models/';

/** Catalog entries for WebLLM's prebuilt models with these ids (unknown ids are skipped). */
export function webllmCatalog(ids: string[]): CatalogEntry[] {
  return ids.flatMap((id) => {
    const r = prebuiltAppConfig.model_list.find((m) => m.model_id === id);
    if (!r) return [];
    return [{
      id,
      engine: 'webllm' as const,
      file: r.model.startsWith(HF) ? r.model.slice(HF.length) : r.model,
      modelLib: r.model_lib.startsWith(LIB_PREFIX) ? r.model_lib.slice(LIB_PREFIX.length) : r.model_lib,
      contextWindow: r.overrides?.context_window_size ?? 4096,
      vramRequiredMB: r.vram_required_MB,
      lowResourceRequired: r.low_resource_required ?? false,
      requiredFeatures: requiredFeatures(r),
      chatTemplate: true,
      ownedBy: 'mlc-ai',
    }];
  });
}

/**
 * q4f16 models compute in f16 and need WebGPU's shader-f16, but not every prebuilt record says so
 * (WebLLM then fails only when it compiles the shaders); the quantization name in the id does.
 */
function requiredFeatures(r: ModelRecord): string[] {
  const features = new Set(r.required_features ?? []);
  if (/q\df16/.test(r.model_id)) features.add('shader-f16');
  return [...features];
}

/** The AppConfig WebLLM needs for our entries: IndexedDB cache, files from the configured base URLs. */
export function webllmAppConfig(entries: CatalogEntry[], modelBaseUrl: string, modelLibBaseUrl: string): AppConfig {
  const model_list: ModelRecord[] = entries.filter((e) => e.engine === 'webllm').map((e) => ({
    model: resolveUnder(modelBaseUrl, e.file),
    model_id: e.id,
    model_lib: resolveUnder(modelLibBaseUrl, e.modelLib ?? `${modelVersion}/${e.id}-webgpu.wasm`),
    vram_required_MB: e.vramRequiredMB,
    low_resource_required: e.lowResourceRequired,
    required_features: e.requiredFeatures,
    overrides: { context_window_size: e.contextWindow },
  }));
  return { model_list, cacheBackend: 'indexeddb' };
}

export const isWebllmCached = (id: string, appConfig: AppConfig) => hasModelInCache(id, appConfig);
export const deleteWebllmModel = (id: string, appConfig: AppConfig) => deleteModelAllInfoInCache(id, appConfig);

export class WebLlmEngine implements ChatEngine {
  readonly kind = 'webllm' as const;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly engine: MLCEngine, readonly modelId: string, readonly contextWindow: number) {}

  /** WebLLM's conversation templates are not Jinja: they have no place for tool definitions. */
  toolCallFormat(): { format: ToolCallFormat | null; why: string } {
    return { format: null, why: "runs on WebLLM, whose conversation templates can't render tool definitions" };
  }

  static async load(entry: CatalogEntry, appConfig: AppConfig, onProgress: (fraction: number, text: string) => void): Promise<WebLlmEngine> {
    try {
      const engine = await CreateMLCEngine(entry.id, {
        appConfig,
        initProgressCallback: (r) => onProgress(r.progress, r.text),
      });
      return new WebLlmEngine(engine, entry.id, entry.contextWindow);
    } catch (err) {
      if (isQuotaError(err) || /quota/i.test(String(err))) throw storageQuotaExceeded(entry.vramRequiredMB ? entry.vramRequiredMB * 1e6 : null, null);
      const where = appConfig.model_list.find((m) => m.model_id === entry.id)?.model;
      throw new ApiError(502, `Could not load the WebLLM model '${entry.id}' from ${where}: ${(err as Error)?.message ?? err}. ` +
        'Check that the model base URL hosts its MLC files and that the network is up.', 'server_error', 'model', 'model_download_failed');
    }
  }

  generate(messages: ChatMessage[], options: GenerateOptions, onText: (t: string) => void): Promise<GenerateResult> {
    const run = this.queue.then(() => this.generateNow(messages, options, onText));
    this.queue = run.catch(() => {});
    return run;
  }

  private async generateNow(messages: ChatMessage[], o: GenerateOptions, onText: (t: string) => void): Promise<GenerateResult> {
    let finish: string | null = null;
    type Usage = { prompt_tokens: number; completion_tokens: number; extra?: Record<string, number> };
    let usage = null as Usage | null;
    try {
      const stream = await this.engine.chat.completions.create({
        messages: messages.map((m) => ({ role: m.role === 'developer' ? 'system' : m.role, content: m.content })) as never,
        stream: true,
        stream_options: { include_usage: true },
        max_tokens: o.maxTokens ?? undefined,
        temperature: o.temperature,
        top_p: o.topP,
        seed: o.seed ?? undefined,
        stop: o.stop.length ? o.stop : undefined,
        frequency_penalty: o.frequencyPenalty,
        presence_penalty: o.presencePenalty,
        // The same GBNF wllama gets, run by WebLLM's own grammar engine (xgrammar) at every step.
        ...(o.grammar ? { response_format: { type: 'grammar' as const, grammar: o.grammar } } : {}),
      });
      for await (const chunk of stream) {
        if (o.signal?.aborted) { this.engine.interruptGenerate(); break; }
        const choice = chunk.choices[0];
        if (choice?.delta?.content) onText(choice.delta.content);
        if (choice?.finish_reason) finish = choice.finish_reason;
        if (chunk.usage) usage = chunk.usage as unknown as Usage;
      }
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      if (/context window|exceed/i.test(message)) throw contextLengthExceeded(message);
      throw new ApiError(500, `The model failed while generating: ${message}`, 'server_error');
    }
    if (o.signal?.aborted) throw new DOMException('Generation aborted', 'AbortError');
    return {
      finishReason: finish === 'length' ? 'length' : 'stop',
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens: usage?.completion_tokens ?? 0,
      timings: (usage?.extra ?? {}) as Record<string, number>,
    };
  }

  async unload() { await this.engine.unload(); }
}
