// wllama: llama.cpp compiled to WebAssembly. Runs GGUF models on any modern browser, with or without WebGPU:
// multi-threaded when the page is cross-origin isolated, single-threaded otherwise (and always inside a
// service worker, which cannot start the threads' workers).
import { Wllama } from '@wllama/wllama/esm/index.js';
import wasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url';
import compatWasmUrl from '@wllama/wllama-compat/wasm/wllama.wasm?url';
import compatWorkerUrl from '@wllama/wllama-compat/wasm/wllama.js?url';
import type { ChatEngine, GenerateOptions, GenerateResult } from './engine';
import type { ChatMessage } from './wire';
import { templatelessPrompt } from './prompt';
import { contextLengthExceeded, ApiError } from './errors';
import { detectToolCallFormat, type ToolCallFormat } from './toolCallFormat';
import { wllamaMessages, openAiTools } from './wllamaMessages';

export interface WllamaLoadOptions {
  modelId: string;
  contextWindow: number;
  /** llama.cpp threads; 1 forces single-threaded. */
  threads: number;
  /** Format prompts with the model's chat template (true) or by concatenation (false). */
  chatTemplate: boolean;
}

interface CompletionChunk {
  choices?: { text?: string; delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  timings?: Record<string, number>;
}

const quietLogger = { debug: () => {}, log: () => {}, warn: console.warn, error: console.error };

export class WllamaEngine implements ChatEngine {
  readonly kind = 'wllama' as const;
  private queue: Promise<unknown> = Promise.resolve();
  broken = false;

  private readonly template: string | null;

  private constructor(private readonly wllama: Wllama, private readonly options: WllamaLoadOptions) {
    this.template = options.chatTemplate ? wllama.getChatTemplate() : null;
  }

  toolCallFormat(): { format: ToolCallFormat | null; why: string } {
    if (!this.options.chatTemplate) return { format: null, why: 'has no chat template (its prompts are plain text)' };
    const format = detectToolCallFormat(this.template);
    return { format, why: 'has no known tool-call format (its chat template shows none)' };
  }

  get modelId() { return this.options.modelId; }
  get contextWindow() { return this.options.contextWindow; }
  get threads() { return this.wllama.getNumThreads(); }

  static async load(model: Blob, options: WllamaLoadOptions): Promise<WllamaEngine> {
    const wllama = new Wllama({ default: absolute(wasmUrl) }, { logger: quietLogger, suppressNativeLog: true });
    wllama.setCompat({ worker: absolute(compatWorkerUrl), wasm: absolute(compatWasmUrl) });
    await wllama.loadModel([model], {
      n_ctx: options.contextWindow,
      n_threads: options.threads,
      n_gpu_layers: 0,
      n_parallel: 1,
    });
    return new WllamaEngine(wllama, options);
  }

  /** One generation at a time: llama.cpp's single slot serves requests in arrival order. */
  generate(messages: ChatMessage[], options: GenerateOptions, onText: (t: string) => void): Promise<GenerateResult> {
    const run = this.queue.then(() => this.generateNow(messages, options, onText));
    this.queue = run.catch(() => {});
    return run;
  }

  private async generateNow(messages: ChatMessage[], o: GenerateOptions, onText: (t: string) => void): Promise<GenerateResult> {
    let finish: string | null = null;
    let reported: CompletionChunk['usage'] = null;
    let timings: Record<string, number> = {};
    let pieces = 0;
    const onData = (chunk: CompletionChunk) => {
      const choice = chunk.choices?.[0];
      const text = choice?.text ?? choice?.delta?.content ?? '';
      if (text) { pieces++; onText(text); }
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) reported = chunk.usage;
      if (chunk.timings) timings = chunk.timings;
    };
    const common = {
      stream: true as const,
      onData,
      max_tokens: o.maxTokens ?? undefined,
      temperature: o.temperature,
      top_p: o.topP,
      seed: o.seed ?? undefined,
      stop: o.stop.length ? o.stop : undefined,
      frequency_penalty: o.frequencyPenalty,
      presence_penalty: o.presencePenalty,
      abortSignal: o.signal,
      stream_options: { include_usage: true },
      cache_prompt: false,
      grammar: o.grammar ?? undefined,
    };
    try {
      if (this.options.chatTemplate) {
        // Tools reach the template as its `tools` variable, so llama.cpp renders them exactly as the model expects
        // while leaving sampling and parsing to Hearth (its own tool handling would refuse our grammar).
        const kwargs = o.tools ? { chat_template_kwargs: { tools: openAiTools(o.tools) } } : {};
        await this.wllama.createChatCompletion({ ...common, ...kwargs, messages: wllamaMessages(messages) as never } as never);
      } else {
        await this.wllama.createCompletion({ ...common, prompt: templatelessPrompt(messages) } as never);
      }
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      if (/exceed|context size|context length/i.test(message)) throw contextLengthExceeded(message);
      if ((err as Error)?.name === 'WllamaAbortError' || o.signal?.aborted) throw new DOMException('Generation aborted', 'AbortError');
      // llama.cpp's wasm refuses every call after a crash: the host loads the model again on the next request.
      this.broken = true;
      throw new ApiError(500, `The model failed while generating: ${message}`, 'server_error');
    }
    const usage = reported as CompletionChunk['usage'];
    const completionTokens = usage?.completion_tokens ?? pieces;
    const finishReason = finish === 'length' || (o.maxTokens !== null && completionTokens >= o.maxTokens) ? 'length' : 'stop';
    return { finishReason, promptTokens: usage?.prompt_tokens ?? 0, completionTokens, timings };
  }

  async unload() { await this.wllama.exit(); }
}

const absolute = (url: string) => new URL(url, self.location.href).href;
