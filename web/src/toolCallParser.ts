// Splits a reply, fed as text pieces while it is generated, into content and tool calls (a port of the C# server's
// ToolCallParser, same rules). Text that could still become a call (a partial <tool_call>, the whitespace before
// one, a Llama reply that starts with '{') is held back until it can be told apart, never lost. A call is released
// whole once its closing tag or bracket has arrived and its JSON reads as a call; otherwise its text, tags included,
// comes back as content unchanged. Whitespace that only separates content from calls is dropped.
import { CLOSE_TAG, OPEN_TAG, newCallId, type ToolCallFormat } from './toolCallFormat';

export interface ToolCall { id: string; name: string; arguments: string }

export type ParsedDelta = { content: string } | { call: ToolCall; index: number };

/** Tracks JSON nesting one character at a time; feed() is true when a top-level value has just closed. */
class JsonScanner {
  private depth = 0;
  inString = false;
  private escaped = false;
  feed(c: string): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (c === '\\') this.escaped = true;
      else if (c === '"') this.inString = false;
      return false;
    }
    if (c === '"') this.inString = true;
    else if (c === '{' || c === '[') this.depth++;
    else if (c === '}' || c === ']') { this.depth--; return this.depth === 0; }
    return false;
  }
}

type State = 'start' | 'text' | 'call' | 'after-call';

export class ToolCallParser {
  private state: State;
  private pending = '';
  private held = '';
  private scanner = new JsonScanner();
  private scanned = 0;
  private objectStarted = false;
  private finished = false;
  private out: ParsedDelta[] = [];
  readonly calls: ToolCall[] = [];
  content = '';

  constructor(private readonly format: ToolCallFormat, private readonly makeId: () => string = newCallId) {
    this.state = format.leadingTag === null ? 'text' : 'start';
  }

  private get hermes() { return this.format.leadingTag === null; }

  /** Feeds the next piece; returns the deltas it made certain (often none). */
  push(text: string): ParsedDelta[] {
    if (this.finished) throw new Error('The reply is finished; start a new ToolCallParser.');
    this.pending += text;
    return this.drain(false);
  }

  /** Ends the reply: releases everything still held back. */
  finish(): ParsedDelta[] {
    if (this.finished) return [];
    this.finished = true;
    return this.drain(true);
  }

  private drain(final: boolean): ParsedDelta[] {
    this.out = [];
    while (this.step(final)) { /* keep going */ }
    return this.out;
  }

  private step(final: boolean): boolean {
    switch (this.state) {
      case 'start': return this.decideLeadingCall(final);
      case 'text': return this.hermes ? this.hermesText(final) : this.plainText();
      case 'call': return this.hermes ? this.hermesCall(final) : this.leadingCall(final);
      default: return this.afterCall(final);
    }
  }

  private hermesText(final: boolean): boolean {
    const tag = this.pending.indexOf(OPEN_TAG);
    if (tag >= 0) {
      let end = tag;
      while (end > 0 && /\s/.test(this.pending[end - 1])) end--;
      this.emitContent(this.pending.slice(0, end));
      this.held = this.pending.slice(end, tag) + OPEN_TAG;
      this.pending = this.pending.slice(tag + OPEN_TAG.length);
      this.startCall();
      return true;
    }
    const keep = final ? 0 : this.heldBackLength();
    this.emitContent(this.pending.slice(0, this.pending.length - keep));
    this.pending = this.pending.slice(this.pending.length - keep);
    return false;
  }

  /** A trailing partial opening tag, and the whitespace before it, may still turn out to start a call. */
  private heldBackLength(): number {
    let keep = 0;
    for (let length = Math.min(OPEN_TAG.length - 1, this.pending.length); length > 0; length--) {
      if (this.pending.endsWith(OPEN_TAG.slice(0, length))) { keep = length; break; }
    }
    while (keep < this.pending.length && /\s/.test(this.pending[this.pending.length - keep - 1])) keep++;
    return keep;
  }

  private hermesCall(final: boolean): boolean {
    for (; this.scanned < this.pending.length; this.scanned++) {
      const c = this.pending[this.scanned];
      if (!this.objectStarted && !/\s/.test(c)) {
        if (c !== '{') return this.notACall(); // prose that mentions <tool_call>: give it back now
        this.objectStarted = true;
      }
      if (!this.scanner.inString && c === '<') {
        const available = Math.min(CLOSE_TAG.length, this.pending.length - this.scanned);
        if (this.pending.startsWith(CLOSE_TAG.slice(0, available), this.scanned)) {
          if (available < CLOSE_TAG.length) break; // a partial closing tag: wait for the rest
          const inner = this.pending.slice(0, this.scanned);
          this.pending = this.pending.slice(this.scanned + CLOSE_TAG.length);
          this.endCall(inner, inner + CLOSE_TAG);
          return true;
        }
      }
      this.scanner.feed(c);
    }
    if (!final) return false;
    const rest = this.pending;
    this.pending = '';
    this.endCall(rest, rest);
    return true;
  }

  private decideLeadingCall(final: boolean): boolean {
    const tag = this.format.leadingTag!;
    const i = this.pending.length - this.pending.trimStart().length;
    const rest = this.pending.slice(i);
    if (this.held.length === 0 && rest.startsWith(tag)) {
      this.held = this.pending.slice(0, i) + tag;
      this.pending = this.pending.slice(i + tag.length);
      return true;
    }
    const undecided = rest.length === 0 || (this.held.length === 0 && tag.startsWith(rest));
    if (undecided && !final) return false;
    if (rest.length > 0 && rest[0] === '{') {
      this.held += this.pending.slice(0, i);
      this.pending = this.pending.slice(i);
      this.startCall();
      return true;
    }
    this.emitContent(this.held);
    this.held = '';
    this.state = 'text';
    return true;
  }

  private leadingCall(final: boolean): boolean {
    for (; this.scanned < this.pending.length; this.scanned++) {
      if (!this.scanner.feed(this.pending[this.scanned])) continue;
      const call = this.pending.slice(0, this.scanned + 1);
      this.pending = this.pending.slice(this.scanned + 1);
      this.endCall(call, call);
      return true;
    }
    if (!final) return false;
    const rest = this.pending;
    this.pending = '';
    this.endCall(rest, rest);
    return true;
  }

  private plainText(): boolean {
    this.emitContent(this.pending);
    this.pending = '';
    return false;
  }

  private startCall() {
    this.state = 'call';
    this.scanner = new JsonScanner();
    this.scanned = 0;
    this.objectStarted = false;
  }

  private notACall(): boolean {
    this.emitContent(this.held + this.pending.slice(0, this.scanned));
    this.pending = this.pending.slice(this.scanned);
    this.held = '';
    this.state = 'text';
    return true;
  }

  private endCall(callJson: string, callText: string) {
    const read = readCalls(callJson);
    if (read) {
      for (const { name, args } of read) {
        const call = { id: this.makeId(), name, arguments: args };
        this.calls.push(call);
        this.out.push({ call, index: this.calls.length - 1 });
      }
      this.held = '';
      this.state = 'after-call';
    } else {
      this.emitContent(this.held + callText);
      this.held = '';
      this.state = 'text';
    }
  }

  /** Whitespace (and Llama's ';') after a call is dropped; what follows is another call or content. */
  private afterCall(final: boolean): boolean {
    let i = 0;
    while (i < this.pending.length && (/\s/.test(this.pending[i]) || (!this.hermes && this.pending[i] === ';'))) i++;
    if (i === this.pending.length) {
      if (final) this.pending = '';
      return false;
    }
    const another = !this.hermes && this.pending[i] === '{';
    this.held = another ? this.pending.slice(0, i) : '';
    this.pending = this.pending.slice(i);
    if (another) this.startCall();
    else this.state = 'text';
    return true;
  }

  private emitContent(text: string) {
    if (text.length === 0) return;
    this.content += text;
    const last = this.out[this.out.length - 1];
    if (last && 'content' in last) last.content += text;
    else this.out.push({ content: text });
  }
}

/**
 * One call object, or a non-empty array of them: a non-empty string name and an arguments / parameters object
 * (missing means {}; a string holding a JSON object is unwrapped). Arguments keep their text as written.
 */
export function readCalls(text: string): { name: string; args: string }[] | null {
  let root: unknown;
  try { root = JSON.parse(text); } catch { return null; }
  const items = Array.isArray(root) ? root : [root];
  if (items.length === 0) return null;
  const calls: { name: string; args: string }[] = [];
  for (const item of items) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return null;
    const { name } = item as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') return null;
    const key = 'arguments' in item ? 'arguments' : 'parameters' in item ? 'parameters' : null;
    const args = key ? (item as Record<string, unknown>)[key] : {};
    if (typeof args === 'object' && args !== null && !Array.isArray(args)) {
      calls.push({ name, args: key && !Array.isArray(root) ? rawMember(text, key) ?? JSON.stringify(args) : JSON.stringify(args) });
    } else if (typeof args === 'string' && isJsonObject(args)) calls.push({ name, args });
    else return null;
  }
  return calls;
}

const isJsonObject = (s: string) => { try { const v = JSON.parse(s); return typeof v === 'object' && v !== null && !Array.isArray(v); } catch { return false; } };

/** The raw text of a top-level member's object value, as the model wrote it (JSON.parse loses it). */
function rawMember(text: string, key: string): string | null {
  const scanner = new JsonScanner();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const wasInString = scanner.inString;
    scanner.feed(c);
    if (wasInString) continue;
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"' && depth === 1 && text.startsWith(JSON.stringify(key), i)) {
      let j = i + JSON.stringify(key).length;
      while (/\s/.test(text[j] ?? '')) j++;
      if (text[j] !== ':') continue;
      j++;
      while (/\s/.test(text[j] ?? '')) j++;
      if (text[j] !== '{') return null;
      const inner = new JsonScanner();
      for (let e = j; e < text.length; e++) if (inner.feed(text[e])) return text.slice(j, e + 1);
      return null;
    }
  }
  return null;
}
