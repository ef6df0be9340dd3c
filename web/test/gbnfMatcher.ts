// A small GBNF interpreter for tests: parses the grammar text the converter writes and tells whether a whole input
// is a sentence of it. Independent of the converter's builder, so the unit tests check the grammar text itself.
type Node =
  | { k: 'lit'; cps: number[] } | { k: 'cls'; ranges: [number, number][]; neg: boolean } | { k: 'ref'; name: string }
  | { k: 'seq'; items: Node[] } | { k: 'alt'; items: Node[] } | { k: 'rep'; node: Node; min: number; max: number | null };

function parseRules(text: string): Map<string, Node> {
  const rules = new Map<string, Node>();
  for (const line of text.split('\n').filter((l) => l.trim())) {
    const m = /^([\w-]+) ::= (.*)$/.exec(line);
    if (!m) throw new Error(`bad rule line: ${line}`);
    const p = new Parser(m[2]);
    rules.set(m[1], p.alternatives());
    if (p.i < p.s.length) throw new Error(`trailing text in ${line} at ${p.i}`);
  }
  return rules;
}

class Parser {
  i = 0;
  constructor(readonly s: string) {}
  ws() { while (this.s[this.i] === ' ') this.i++; }
  alternatives(): Node {
    const items = [this.sequence()];
    while (this.s[this.i] === '|') { this.i++; items.push(this.sequence()); }
    return items.length === 1 ? items[0] : { k: 'alt', items };
  }
  sequence(): Node {
    const items: Node[] = [];
    for (;;) {
      this.ws();
      const c = this.s[this.i];
      if (c === undefined || c === '|' || c === ')') break;
      items.push(this.postfix(this.atom()));
    }
    this.ws();
    return { k: 'seq', items };
  }
  postfix(node: Node): Node {
    for (;;) {
      const c = this.s[this.i];
      if (c === '*') { this.i++; node = { k: 'rep', node, min: 0, max: null }; }
      else if (c === '+') { this.i++; node = { k: 'rep', node, min: 1, max: null }; }
      else if (c === '?') { this.i++; node = { k: 'rep', node, min: 0, max: 1 }; }
      else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.s.slice(this.i))!;
        this.i += m[0].length;
        node = { k: 'rep', node, min: +m[1], max: m[2] === undefined ? +m[1] : m[3] === '' ? null : +m[3] };
      } else return node;
    }
  }
  char(): number {
    const c = this.s[this.i++];
    if (c !== '\\') { const cp = this.s.codePointAt(this.i - 1)!; if (cp > 0xffff) this.i++; return cp; }
    const e = this.s[this.i++];
    if (e === 'x') { const v = parseInt(this.s.slice(this.i, this.i + 2), 16); this.i += 2; return v; }
    if (e === 'u') { const v = parseInt(this.s.slice(this.i, this.i + 4), 16); this.i += 4; return v; }
    return ({ n: 10, r: 13, t: 9 } as Record<string, number>)[e] ?? e.codePointAt(0)!;
  }
  atom(): Node {
    const c = this.s[this.i];
    if (c === '"') {
      this.i++;
      const cps: number[] = [];
      while (this.s[this.i] !== '"') cps.push(this.char());
      this.i++;
      return { k: 'lit', cps };
    }
    if (c === '[') {
      this.i++;
      const neg = this.s[this.i] === '^';
      if (neg) this.i++;
      const ranges: [number, number][] = [];
      while (this.s[this.i] !== ']') {
        const lo = this.char();
        if (this.s[this.i] === '-' && this.s[this.i + 1] !== ']') { this.i++; ranges.push([lo, this.char()]); } else ranges.push([lo, lo]);
      }
      this.i++;
      return { k: 'cls', ranges, neg };
    }
    if (c === '(') { this.i++; const n = this.alternatives(); if (this.s[this.i++] !== ')') throw new Error('unclosed group'); return n; }
    const m = /^[\w-]+/.exec(this.s.slice(this.i));
    if (!m) throw new Error(`unexpected '${c}' at ${this.i} in ${this.s}`);
    this.i += m[0].length;
    return { k: 'ref', name: m[0] };
  }
}

/** True when the whole input is a sentence of the grammar (from its root rule). */
export function gbnfAccepts(grammar: string, input: string): boolean {
  const rules = parseRules(grammar);
  const cps = [...input].map((ch) => ch.codePointAt(0)!);
  const memo = new Map<string, Set<number>>();
  const ends = (node: Node, pos: number): Set<number> => {
    switch (node.k) {
      case 'lit': return node.cps.every((cp, j) => cps[pos + j] === cp) ? new Set([pos + node.cps.length]) : new Set();
      case 'cls': {
        const cp = cps[pos];
        if (cp === undefined) return new Set();
        const inside = node.ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
        return inside !== node.neg ? new Set([pos + 1]) : new Set();
      }
      case 'ref': {
        const key = `${node.name}@${pos}`;
        const known = memo.get(key);
        if (known) return known;
        memo.set(key, new Set()); // no left recursion in the converter's grammars
        const rule = rules.get(node.name);
        if (!rule) throw new Error(`undefined rule ${node.name}`);
        const result = ends(rule, pos);
        memo.set(key, result);
        return result;
      }
      case 'seq': {
        let current = new Set([pos]);
        for (const item of node.items) {
          const next = new Set<number>();
          for (const p of current) for (const e of ends(item, p)) next.add(e);
          current = next;
          if (current.size === 0) break;
        }
        return current;
      }
      case 'alt': {
        const all = new Set<number>();
        for (const item of node.items) for (const e of ends(item, pos)) all.add(e);
        return all;
      }
      case 'rep': {
        const all = new Set<number>();
        let frontier = new Set([pos]);
        if (node.min === 0) all.add(pos);
        const seen = new Set<number>([pos]);
        for (let count = 1; frontier.size && (node.max === null || count <= node.max); count++) {
          const next = new Set<number>();
          for (const p of frontier) for (const e of ends(node.node, p)) if (node.max !== null || !seen.has(e)) next.add(e);
          for (const e of next) { seen.add(e); if (count >= node.min) all.add(e); }
          frontier = next;
        }
        return all;
      }
    }
  };
  return ends({ k: 'ref', name: 'root' }, 0).has(cps.length);
}
