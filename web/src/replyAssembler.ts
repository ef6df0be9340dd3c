// A reply as it is generated, turned into OpenAI message parts: plain content, or, when the model may call tools,
// content and tool calls split by a ToolCallParser. push() and finish() return the stream deltas now certain;
// content and calls hold the whole reply, the same however the text was chunked.
import type { ToolCallFormat } from './toolCallFormat';
import { ToolCallParser, type ToolCall } from './toolCallParser';

export type { ToolCall } from './toolCallParser';

export type StreamDelta = { content: string } | { tool_calls: { index: number; id: string; type: 'function'; function: { name: string; arguments: string } }[] };

export class ReplyAssembler {
  private readonly parser: ToolCallParser | null;
  private plain = '';
  private done = false;

  constructor(format: ToolCallFormat | null) {
    this.parser = format ? new ToolCallParser(format) : null;
  }

  get content(): string { return this.parser ? this.parser.content : this.plain; }
  get calls(): ToolCall[] { return this.parser ? this.parser.calls : []; }

  push(text: string): StreamDelta[] {
    if (!this.parser) { this.plain += text; return text ? [{ content: text }] : []; }
    return this.map(this.parser.push(text));
  }

  /** Releases whatever was held back; later calls return nothing. */
  finish(): StreamDelta[] {
    if (this.done || !this.parser) { this.done = true; return []; }
    this.done = true;
    return this.map(this.parser.finish());
  }

  /** "tool_calls" when the reply made calls, else the engine's reason. */
  finishReason(engineReason: 'stop' | 'length'): 'stop' | 'length' | 'tool_calls' {
    return this.calls.length ? 'tool_calls' : engineReason;
  }

  private map(deltas: ReturnType<ToolCallParser['push']>): StreamDelta[] {
    return deltas.map((d) => 'content' in d ? { content: d.content } : {
      tool_calls: [{ index: d.index, id: d.call.id, type: 'function' as const, function: { name: d.call.name, arguments: d.call.arguments } }],
    });
  }
}
