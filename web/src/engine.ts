// What the routes need from a model runtime. WllamaEngine and WebLlmEngine implement it; routes never see either.
import type { ChatMessage } from './wire';
import type { FunctionTool } from './structuredWire';
import type { ToolCallFormat } from './toolCallFormat';

export type EngineKind = 'wllama' | 'webllm';

export interface GenerateOptions {
  maxTokens: number | null;
  temperature: number;
  topP: number;
  seed: number | null;
  stop: string[];
  frequencyPenalty: number;
  presencePenalty: number;
  signal?: AbortSignal;
  /** GBNF every sampled token must follow (response_format, forced tool calls), or null for free text. */
  grammar: string | null;
  /** Function tools rendered into the prompt through the model's chat template, or null. */
  tools: FunctionTool[] | null;
}

export interface GenerateResult {
  finishReason: 'stop' | 'length';
  promptTokens: number;
  completionTokens: number;
  /** Engine-reported speeds and durations (e.g. predicted_per_second), stored with the message. */
  timings: Record<string, number>;
}

export interface ChatEngine {
  readonly kind: EngineKind;
  readonly modelId: string;
  readonly contextWindow: number;
  /** True once the engine crashed and must be loaded again (wllama after a wasm abort). */
  readonly broken?: boolean;
  /** CPU threads the engine computes with, where that applies (wllama). */
  readonly threads?: number;
  /** Streams generated text to onText; throws ApiError context_length_exceeded when the prompt does not fit. */
  /** The model's tool-call format (from its chat template), or null with the reason it has none. */
  toolCallFormat(): { format: ToolCallFormat | null; why: string };
  generate(messages: ChatMessage[], options: GenerateOptions, onText: (text: string) => void): Promise<GenerateResult>;
  unload(): Promise<void>;
}
