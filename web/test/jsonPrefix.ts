// Whether a text is a complete JSON value, a prefix of one (cut off, e.g. at max_tokens), or neither: lets tests
// check that a truncated constrained output was still on track.
export type JsonShape = 'complete' | 'prefix' | 'invalid';

class Cut extends Error {}
class Bad extends Error {}

export function jsonShape(text: string): { shape: JsonShape; root?: string } {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const need = () => { if (i >= text.length) throw new Cut(); };
  const word = (w: string) => { for (const c of w) { need(); if (text[i++] !== c) throw new Bad(); } };
  const str = () => {
    word('"');
    for (;;) {
      need();
      const c = text[i++];
      if (c === '"') return;
      if (c === '\\') { need(); const e = text[i++]; if (e === 'u') { for (let k = 0; k < 4; k++) { need(); if (!/[0-9a-fA-F]/.test(text[i++])) throw new Bad(); } } else if (!'"\\/bfnrt'.includes(e)) throw new Bad(); }
      else if (c < ' ') throw new Bad();
    }
  };
  const num = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!m) { if (/^-?$/.test(text.slice(i))) throw new Cut(); throw new Bad(); }
    i += m[0].length;
    if (i >= text.length) throw new Cut(); // a number at the very end may go on
  };
  const value = (): string => {
    ws(); need();
    const c = text[i];
    if (c === '{') {
      i++; ws(); need();
      if (text[i] === '}') { i++; return 'object'; }
      for (;;) { ws(); str(); ws(); word(':'); value(); ws(); need(); const d = text[i++]; if (d === '}') return 'object'; if (d !== ',') throw new Bad(); }
    }
    if (c === '[') {
      i++; ws(); need();
      if (text[i] === ']') { i++; return 'array'; }
      for (;;) { value(); ws(); need(); const d = text[i++]; if (d === ']') return 'array'; if (d !== ',') throw new Bad(); }
    }
    if (c === '"') { str(); return 'string'; }
    if (c === 't') { word('true'); return 'boolean'; }
    if (c === 'f') { word('false'); return 'boolean'; }
    if (c === 'n') { word('null'); return 'null'; }
    num();
    return 'number';
  };
  try {
    const root = value();
    ws();
    return i === text.length ? { shape: 'complete', root } : { shape: 'invalid' };
  } catch (e) {
    if (e instanceof Cut) return { shape: 'prefix', root: text.trimStart()[0] === '{' ? 'object' : undefined };
    return { shape: 'invalid' };
  }
}
