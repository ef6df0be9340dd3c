// The pieces of JSON itself as GBNF rules (RFC 8259): whitespace, strings, numbers, literals and "any value".
// The same shapes as the C# server's JsonGrammar, so both runtimes allow the same texts.
import { alt, charClass, literal, optional, repeat, seq, type Gbnf } from './gbnf';

/** Whitespace between tokens, bounded as llama.cpp does: nothing, one space, or a newline and up to 20 spaces/tabs. */
export const space = (g: Gbnf) => g.shared('ws', () => alt('""', '" "', seq('"\\n"', repeat('[ \\t]', 0, 20))));

/** Printable ASCII but the quote and the backslash. */
export const PLAIN_ASCII = charClass([[0x20, 0x21], [0x23, 0x5b], [0x5d, 0x7e]]);
/** Any character beyond ASCII (the grammar works on code points; the engine assembles UTF-8 itself). */
export const NON_ASCII = '[^\\x00-\\x7f]';
const HEX = '[0-9a-fA-F]';

/** One character of a JSON string's contents: an unescaped character or an escape. */
export const stringChar = (g: Gbnf) => g.shared('char', () =>
  alt(PLAIN_ASCII, seq('"\\\\"', '["\\\\/bfnrt]'), seq(literal('\\u00'), HEX, HEX), NON_ASCII));

export const string = (g: Gbnf) => g.shared('string', () => seq('"\\""', `${stringChar(g)}*`, '"\\""'));

/** A quoted string whose contents are the expression given. */
export const quoted = (contents: string) => seq('"\\""', contents, '"\\""');

export const natural = (g: Gbnf) => g.shared('natural', () => alt('"0"', '[1-9] [0-9]*'));
export const integer = (g: Gbnf) => g.shared('integer', () => seq('"-"?', natural(g)));
const fraction = (g: Gbnf) => g.shared('fraction', () => optional('"." [0-9]+'));
// at most two exponent digits: the number stays a finite double
const exponent = (g: Gbnf) => g.shared('exponent', () => optional('[eE] [+\\-]? [0-9] [0-9]?'));
export const number = (g: Gbnf) => g.shared('number', () => seq(integer(g), fraction(g), exponent(g)));
export const nonNegativeNumber = (g: Gbnf) => g.shared('number-non-negative', () => seq(natural(g), fraction(g), exponent(g)));

/** Any JSON value. */
export const value = (g: Gbnf): string =>
  g.shared('value', (g) => alt(anyObject(g), anyArray(g), string(g), number(g), '"true"', '"false"', '"null"'));

/** Any JSON object (response_format json_object). */
export const anyObject = (g: Gbnf): string => g.shared('object', (g) => {
  const ws = space(g);
  const member = seq(string(g), ws, '":"', ws, value(g));
  return seq('"{"', ws, optional(seq(member, `(${seq(ws, '","', ws, member)})*`, ws)), '"}"');
});

export const anyArray = (g: Gbnf): string => g.shared('array', (g) => {
  const ws = space(g);
  return seq('"["', ws, optional(seq(value(g), `(${seq(ws, '","', ws, value(g))})*`, ws)), '"]"');
});
