// JSON schema "pattern" (and the string formats) to GBNF for the contents of a JSON string: the common subset of
// ECMA-262 regular expressions the C# server's RegexGrammar accepts, refused the same way. Literals, escapes
// (\d \w \s \D \W \S, \uXXXX, \xXX), classes with ranges and negation, '.', groups, alternation, quantifiers
// * + ? {n} {n,} {n,m}. The pattern is taken as anchored at both ends; the grammar may produce a subset of what it
// matches (negated classes and '.' produce printable characters only), never more.
import { alt, charClass, literal, repeat, seq, type Gbnf } from './gbnf';
import { NON_ASCII } from './jsonGrammar';
import { UnsupportedSchemaError } from './schemaErrors';

const MAX_REPEAT = 1000;
const MAX_NON_ASCII_MEMBERS = 512;

const DATE = '[1-9][0-9]{3}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))';
const TIME = '([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])';
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const LABEL = '[a-z][a-z0-9]{0,19}'; // a letter first: never read as a number or an IP address

/** String formats as patterns; each produces a subset of what the format allows, so strict validators pass. */
export const STRING_FORMATS: Record<string, string> = {
  'date': DATE,
  'time': TIME,
  'date-time': `${DATE}T${TIME}`,
  'uuid': '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
  'email': `[A-Za-z0-9_+-]{1,20}(\\.[A-Za-z0-9_+-]{1,20})*@${LABEL}(\\.${LABEL})*\\.[a-z]{2,6}`,
  'ipv4': `${OCTET}(\\.${OCTET}){3}`,
  'hostname': `${LABEL}(\\.${LABEL})*`,
  'uri': `https?://${LABEL}(\\.${LABEL})*(/[A-Za-z0-9._~-]*)*`,
};

/** A set of code points: ASCII as flags, the rest as ranges or "any non-ASCII character". */
class CharSet {
  readonly ascii = new Array<boolean>(128).fill(false);
  readonly nonAscii: [number, number][] = [];
  anyNonAscii = false;

  static of(cp: number) { const s = new CharSet(); s.addRange(cp, cp); return s; }
  static ranges(...ranges: [string, string][]) {
    const s = new CharSet();
    for (const [lo, hi] of ranges) s.addRange(lo.charCodeAt(0), hi.charCodeAt(0));
    return s;
  }
  static dot() {
    const s = new CharSet();
    s.anyNonAscii = true;
    for (let c = 0x20; c < 0x7f; c++) s.ascii[c] = true;
    return s;
  }

  get single(): number | null {
    if (this.anyNonAscii) return null;
    let found: number | null = null;
    for (let c = 0; c < 128; c++) if (this.ascii[c]) { if (found !== null) return null; found = c; }
    for (const [lo, hi] of this.nonAscii) { if (found !== null || lo !== hi) return null; found = lo; }
    return found;
  }

  addRange(lo: number, hi: number) {
    for (let c = lo; c <= Math.min(hi, 127); c++) this.ascii[c] = true;
    if (hi >= 128) this.nonAscii.push([Math.max(lo, 128), hi]);
  }

  add(other: CharSet) {
    for (let c = 0; c < 128; c++) this.ascii[c] ||= other.ascii[c];
    this.nonAscii.push(...other.nonAscii);
    this.anyNonAscii ||= other.anyNonAscii;
  }

  /** Printable ASCII not in the set, and any non-ASCII character: a subset of the true complement. */
  negate() {
    const s = new CharSet();
    s.anyNonAscii = this.nonAscii.length === 0 && !this.anyNonAscii;
    for (let c = 0x20; c < 0x7f; c++) s.ascii[c] = !this.ascii[c];
    return s;
  }
}

const WORD: [string, string][] = [['a', 'z'], ['A', 'Z'], ['0', '9'], ['_', '_']];
const SPACE: [string, string][] = [[' ', ' '], ['\t', '\t'], ['\n', '\n'], ['\r', '\r']];

class RegexCompiler {
  private pos = 0;
  constructor(private readonly g: Gbnf, private readonly pattern: string, private readonly keyword: string) {}

  run(): string {
    const result = this.alternation();
    if (this.pos < this.pattern.length) throw this.fail(`unexpected '${this.pattern[this.pos]}' at ${this.pos}`);
    return result;
  }

  private alternation(): string {
    const alternatives = [this.concatenation()];
    while (this.peek('|')) { this.pos++; alternatives.push(this.concatenation()); }
    return alternatives.length === 1 ? alternatives[0] : alt(...alternatives);
  }

  private concatenation(): string {
    const parts: string[] = [];
    while (this.pos < this.pattern.length && this.pattern[this.pos] !== '|' && this.pattern[this.pos] !== ')') {
      parts.push(this.quantified(this.atom()));
    }
    return seq(...parts);
  }

  private quantified(atom: string): string {
    if (this.pos >= this.pattern.length) return atom;
    let min: number, max: number | null;
    const c = this.pattern[this.pos];
    if (c === '*') { this.pos++; [min, max] = [0, null]; }
    else if (c === '+') { this.pos++; [min, max] = [1, null]; }
    else if (c === '?') { this.pos++; [min, max] = [0, 1]; }
    else if (c === '{') {
      const braces = this.braces();
      if (!braces) return atom;
      [min, max] = braces;
    } else return atom;
    if (this.peek('?')) this.pos++; // lazy: the same set of strings
    else if (this.peek('+')) throw this.fail('possessive quantifiers');
    if (this.peek('*') || this.peek('+')) throw this.fail('nested quantifiers');
    return repeat(atom, min, max);
  }

  private braces(): [number, number | null] | null {
    const close = this.pattern.indexOf('}', this.pos);
    if (close < 0) return null;
    const inner = this.pattern.slice(this.pos + 1, close);
    const m = /^(\d+)(,(\d*))?$/.exec(inner);
    if (!m) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? null : Number(m[3]);
    if (max !== null && max < min) throw this.fail(`{${inner}} has max below min`);
    if (min > MAX_REPEAT || (max ?? 0) > MAX_REPEAT) throw this.fail(`repetition counts above ${MAX_REPEAT}`);
    this.pos = close + 1;
    return [min, max];
  }

  private atom(): string {
    const c = this.pattern[this.pos++];
    switch (c) {
      case '(': {
        if (this.peek('?')) {
          if (this.pattern[this.pos + 1] === ':') this.pos += 2;
          else throw this.fail('lookarounds and named or special groups');
        }
        const inner = this.alternation();
        if (!this.peek(')')) throw this.fail('an unclosed group');
        this.pos++;
        return `(${inner})`;
      }
      case '[': return this.set(this.parseClass());
      case '.': return this.set(CharSet.dot());
      case '\\': return this.set(this.parseEscape(false));
      case '^': case '$': throw this.fail('anchors inside the pattern');
      case '*': case '+': case '?': throw this.fail(`a quantifier '${c}' with nothing before it`);
      default: {
        const cp = this.pattern.codePointAt(this.pos - 1)!;
        if (cp > 0xffff) this.pos++;
        return this.set(CharSet.of(cp));
      }
    }
  }

  private parseClass(): CharSet {
    const negated = this.peek('^');
    if (negated) this.pos++;
    const set = new CharSet();
    let first = true;
    for (;;) {
      if (this.pos >= this.pattern.length) throw this.fail('an unclosed character class');
      const c = this.pattern[this.pos];
      if (c === ']' && !first) { this.pos++; break; }
      first = false;
      this.pos++;
      let lo: CharSet;
      if (c === '\\') lo = this.parseEscape(true);
      else if (c === '[') throw this.fail('nested character classes');
      else lo = CharSet.of(c.charCodeAt(0));
      const from = lo.single;
      if (this.peek('-') && this.pos + 1 < this.pattern.length && this.pattern[this.pos + 1] !== ']' && from !== null) {
        this.pos++;
        const hc = this.pattern[this.pos++];
        const hi = hc === '\\' ? this.parseEscape(true) : CharSet.of(hc.charCodeAt(0));
        const to = hi.single;
        if (to === null || to < from) throw this.fail('a bad range in a character class');
        set.addRange(from, to);
      } else set.add(lo);
    }
    return negated ? set.negate() : set;
  }

  private parseEscape(inClass: boolean): CharSet {
    if (this.pos >= this.pattern.length) throw this.fail('a trailing backslash');
    const c = this.pattern[this.pos++];
    switch (c) {
      case 'd': return CharSet.ranges(['0', '9']);
      case 'D': return CharSet.ranges(['0', '9']).negate();
      case 'w': return CharSet.ranges(...WORD);
      case 'W': return CharSet.ranges(...WORD).negate();
      case 's': return CharSet.ranges(...SPACE);
      case 'S': return CharSet.ranges(...SPACE).negate();
      case 'n': return CharSet.of(0x0a);
      case 't': return CharSet.of(0x09);
      case 'r': return CharSet.of(0x0d);
    }
    const hex = (n: number) => /^[0-9a-fA-F]+$/.test(this.pattern.slice(this.pos, this.pos + n)) && this.pos + n <= this.pattern.length;
    if (c === 'u' && hex(4)) { const cp = parseInt(this.pattern.slice(this.pos, this.pos + 4), 16); this.pos += 4; return CharSet.of(cp); }
    if (c === 'x' && hex(2)) { const cp = parseInt(this.pattern.slice(this.pos, this.pos + 2), 16); this.pos += 2; return CharSet.of(cp); }
    if (c === 'b' && inClass) return CharSet.of(0x08);
    if (/[A-Za-z0-9]/.test(c)) throw this.fail(`the escape \\${c}`);
    return CharSet.of(c.charCodeAt(0)); // an escaped punctuation character stands for itself
  }

  /** One character from the set, as it appears inside a JSON string: quote, backslash and controls escaped. */
  private set(set: CharSet): string {
    const plain: [number, number][] = [];
    const alternatives: string[] = [];
    const escapes: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x09: '\\t', 0x0d: '\\r', 0x08: '\\b' };
    for (let c = 0; c < 128; c++) {
      if (!set.ascii[c]) continue;
      if (escapes[c]) alternatives.push(literal(escapes[c]));
      else if (c < 0x20 || c === 0x7f) continue; // other controls: left out (a subset stays valid)
      else if (plain.length && plain[plain.length - 1][1] === c - 1) plain[plain.length - 1][1] = c;
      else plain.push([c, c]);
    }
    if (plain.length) alternatives.unshift(charClass(plain));
    if (set.anyNonAscii) alternatives.push(NON_ASCII);
    else if (set.nonAscii.length) {
      let count = 0;
      for (const [lo, hi] of set.nonAscii) count += hi - lo + 1;
      if (count > MAX_NON_ASCII_MEMBERS) throw this.fail(`character classes with more than ${MAX_NON_ASCII_MEMBERS} non-ASCII characters`);
      alternatives.push(charClass(set.nonAscii));
    }
    if (alternatives.length === 0) throw this.fail('a character class that matches nothing printable');
    return alternatives.length === 1 ? alternatives[0] : alt(...alternatives);
  }

  private peek(c: string) { return this.pos < this.pattern.length && this.pattern[this.pos] === c; }

  private fail(what: string) {
    return new UnsupportedSchemaError(this.keyword, `the regular expression /${this.pattern}/ uses ${what}, outside the supported subset.`);
  }
}

/** GBNF for string contents (without the quotes) matching the pattern, anchored at both ends. */
export function regexGrammar(g: Gbnf, pattern: string, keyword = 'pattern'): string {
  let body = pattern;
  if (body.startsWith('^')) body = body.slice(1);
  if (body.endsWith('$') && !body.endsWith('\\$')) body = body.slice(0, -1);
  return new RegexCompiler(g, body, keyword).run();
}
