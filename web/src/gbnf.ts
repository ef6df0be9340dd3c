// A small builder for llama.cpp GBNF grammars (also read by WebLLM's xgrammar): named rules, literals, character
// classes and bounded repetition, written so every rule name and literal is escaped correctly.
// Expressions are GBNF text; a rule is referenced by its name.

export class Gbnf {
  private readonly rules = new Map<string, string>();
  private readonly sharedNames = new Map<string, string>();
  private count = 0;

  /** A new rule with this body (an expression); returns its name. */
  rule(body: string, hint = 'r'): string {
    const name = this.reserve(hint);
    this.rules.set(name, body);
    return name;
  }

  /** A rule name to define later (for recursion). */
  reserve(hint = 'r'): string {
    const name = `${hint.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'r'}-${this.count++}`;
    this.rules.set(name, '');
    return name;
  }

  define(name: string, body: string) { this.rules.set(name, body); }

  /** One rule per builder for a piece used in many places (whitespace, strings, numbers). */
  shared(key: string, make: (g: Gbnf) => string): string {
    const existing = this.sharedNames.get(key);
    if (existing) return existing;
    const name = this.reserve(key);
    this.sharedNames.set(key, name);
    this.define(name, make(this));
    return name;
  }

  /** The grammar text with `root ::= rootExpression`. */
  build(rootExpression: string): string {
    const lines = [`root ::= ${rootExpression}`];
    for (const [name, body] of this.rules) lines.push(`${name} ::= ${body === '' ? '""' : body}`);
    return lines.join('\n') + '\n';
  }
}

/** A GBNF string literal for text (UTF-8 characters as they are, quotes, backslashes and controls escaped). */
export function literal(text: string): string {
  if (text === '') return '""';
  let out = '"';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** One character of a class, escaped for use inside [...]. */
function classChar(c: number): string {
  const ch = String.fromCodePoint(c);
  if (ch === ']' || ch === '\\' || ch === '-' || ch === '^' || ch === '[') return '\\' + ch;
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  if (c < 0x20 || c === 0x7f) return `\\x${c.toString(16).padStart(2, '0')}`;
  return ch;
}

/** A character class from code point ranges, e.g. [[0x30, 0x39]] → [0-9]; negated gives [^...]. */
export function charClass(ranges: [number, number][], negated = false): string {
  const body = ranges.map(([lo, hi]) => lo === hi ? classChar(lo) : `${classChar(lo)}-${classChar(hi)}`).join('');
  return `[${negated ? '^' : ''}${body}]`;
}

/** Alternatives as one parenthesised expression (an empty alternative is ""). */
export const alt = (...choices: string[]): string =>
  choices.length === 1 ? group(choices[0]) : `(${choices.map((c) => c === '' ? '""' : c).join(' | ')})`;

/** A sequence of expressions. */
export const seq = (...parts: string[]): string => parts.filter((p) => p !== '' && p !== '""').join(' ') || '""';

export const group = (expr: string): string => /^[\w-]+$|^"([^"\\]|\\.)*"$|^\[([^\]\\]|\\.)*\]$/.test(expr) ? expr : `(${expr})`;

/** expr repeated min..max times (max null: unbounded). */
export function repeat(expr: string, min: number, max: number | null): string {
  const unit = group(expr);
  if (max === 0) return '""';
  if (min === 0 && max === null) return `${unit}*`;
  if (min === 1 && max === null) return `${unit}+`;
  if (min === 0 && max === 1) return `${unit}?`;
  if (max === null) return `${unit}{${min},}`;
  if (min === max) return min === 1 ? unit : `${unit}{${min}}`;
  return `${unit}{${min},${max}}`;
}

export const optional = (expr: string): string => repeat(expr, 0, 1);
