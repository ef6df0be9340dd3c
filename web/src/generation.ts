// One running generation as an async stream of text pieces, so a route can wait for the first piece (or an early
// error such as an over-long prompt) before it commits to a status code and headers.
import type { ChatEngine, GenerateOptions, GenerateResult } from './engine';
import type { ChatMessage } from './wire';

export class Generation {
  private pending: string[] = [];
  private wake: (() => void) | null = null;
  private result: GenerateResult | null = null;
  private error: unknown = null;
  /** Resolves at the first text piece or the end; rejects if the engine fails before producing anything. */
  readonly started: Promise<void>;
  private markStarted!: () => void;
  private failStart!: (e: unknown) => void;

  constructor(engine: ChatEngine, messages: ChatMessage[], options: GenerateOptions) {
    this.started = new Promise((resolve, reject) => { this.markStarted = resolve; this.failStart = reject; });
    engine.generate(messages, options, (text) => { this.pending.push(text); this.markStarted(); this.poke(); })
      .then((r) => { this.result = r; this.markStarted(); this.poke(); },
        (e) => { this.error = e; this.failStart(e); this.poke(); });
  }

  private poke() { const w = this.wake; this.wake = null; w?.(); }

  /** Text pieces as they come; returns the engine's result at the end. */
  async *pieces(): AsyncGenerator<string, GenerateResult> {
    for (;;) {
      while (this.pending.length) yield this.pending.shift()!;
      if (this.error) throw this.error;
      if (this.result) return this.result;
      await new Promise<void>((r) => { this.wake = r; });
    }
  }
}
