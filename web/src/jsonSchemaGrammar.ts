// A JSON schema compiled to a GBNF grammar whose sentences are JSON texts valid against it: the constraint
// response_format and forced tool calls apply at every sampling step. The same keywords as the C# server's
// JsonSchemaGrammar: type (one or a list), properties / required / additionalProperties, enum, const, items /
// prefixItems / minItems / maxItems, minLength / maxLength, pattern (a regex subset), format (date, time, date-time,
// uuid, email, ipv4, hostname, uri), minimum for non-negative numbers, anyOf, a single-entry allOf, and $ref within
// the document (recursion included). Annotations are ignored; any other keyword is refused, naming it.
// Properties come in the schema's order: required ones always, optional ones maybe; no extra properties.
import { alt, Gbnf, literal, optional, repeat, seq } from './gbnf';
import * as json from './jsonGrammar';
import { regexGrammar, STRING_FORMATS } from './regexGrammar';
import { InvalidSchemaError, UnsupportedSchemaError } from './schemaErrors';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Json;

const ANNOTATIONS = new Set(['title', 'description', '$schema', '$id', '$comment', 'default', 'examples', 'deprecated',
  'readOnly', 'writeOnly', '$defs', 'definitions']);
const KEYWORDS: Record<string, Set<string>> = {
  object: new Set(['properties', 'required', 'additionalProperties']),
  array: new Set(['items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems']),
  string: new Set(['minLength', 'maxLength', 'pattern', 'format']),
  number: new Set(['minimum', 'exclusiveMinimum']),
  integer: new Set(['minimum', 'exclusiveMinimum']),
  boolean: new Set(),
  null: new Set(),
};
const ALL_TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];

const isObject = (v: unknown): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The grammar for a whole reply that is one JSON value valid against the schema (whitespace around allowed). */
export function schemaGrammar(schema: unknown): string {
  const g = new Gbnf();
  const ws = json.space(g);
  return g.build(seq(ws, new SchemaCompiler(g, schema as Json).value(schema as Json, '#'), ws));
}

/** Any JSON object (OpenAI's response_format json_object). */
export function anyObjectGrammar(): string {
  const g = new Gbnf();
  const ws = json.space(g);
  return g.build(seq(ws, json.anyObject(g), ws));
}

/** Compiles the schema into g and returns the expression for its values (no whitespace around), to embed. */
export const embedSchema = (g: Gbnf, schema: unknown): string => new SchemaCompiler(g, schema as Json).value(schema as Json, '#');

/** Throws UnsupportedSchemaError / InvalidSchemaError when the schema can't be enforced. */
export function checkSchema(schema: unknown): void { schemaGrammar(schema); }

class SchemaCompiler {
  private readonly refs = new Map<string, string>();
  constructor(private readonly g: Gbnf, private readonly root: Json) {}

  value(schema: Schema, path: string): string {
    if (schema === true) return json.value(this.g);
    if (schema === false) throw new InvalidSchemaError(path, "the schema 'false' allows no value.");
    if (!isObject(schema)) throw new InvalidSchemaError(path, 'a schema must be an object or a boolean.');

    const k = new Map<string, Json>();
    for (const [name, v] of Object.entries(schema)) if (!ANNOTATIONS.has(name)) k.set(name, v);

    if (k.has('$ref')) {
      only(k, '$ref');
      const reference = k.get('$ref');
      if (typeof reference !== 'string') throw new InvalidSchemaError(path + '/$ref', 'must be a string.');
      return this.ref(reference);
    }
    if (k.has('anyOf')) {
      only(k, 'anyOf');
      const branches = subschemas(k.get('anyOf')!, path + '/anyOf');
      return alt(...branches.map((b, i) => this.value(b, `${path}/anyOf/${i}`)));
    }
    if (k.has('oneOf')) throw new UnsupportedSchemaError('oneOf', "generation can't ensure that exactly one branch matches; use anyOf.");
    if (k.has('allOf')) {
      only(k, 'allOf');
      const parts = subschemas(k.get('allOf')!, path + '/allOf');
      if (parts.length !== 1) throw new UnsupportedSchemaError('allOf', 'only a single subschema (as in allOf: [{$ref}]) is supported.');
      return this.value(parts[0], path + '/allOf/0');
    }

    let types = typesOf(k, path);
    if (k.has('const')) {
      only(k, 'const', 'type');
      return literal(JSON.stringify(k.get('const')));
    }
    if (k.has('enum')) {
      only(k, 'enum', 'type');
      const values = k.get('enum');
      if (!Array.isArray(values)) throw new InvalidSchemaError(path + '/enum', 'must be an array.');
      const choices = values.filter((v) => types === null || types.includes(typeOf(v)) || (typeOf(v) === 'integer' && types.includes('number')))
        .map((v) => literal(JSON.stringify(v)));
      if (choices.length === 0) throw new InvalidSchemaError(path + '/enum', 'no value of the enum has an allowed type.');
      return alt(...choices);
    }

    types ??= inferTypes(k);
    for (const name of k.keys()) {
      if (name === 'type') continue;
      if (!types.some((t) => KEYWORDS[t].has(name))) {
        throw new UnsupportedSchemaError(name, types.length === ALL_TYPES.length ? 'this keyword is not supported.'
          : `it does not apply to type ${types.join('/')}, or is not supported.`);
      }
    }
    if (types.length === ALL_TYPES.length && k.size === 0) return json.value(this.g);
    const alternatives = types.map((t) => this.typeValue(t, k, path));
    return alternatives.length === 1 ? alternatives[0] : alt(...alternatives);
  }

  private typeValue(type: string, k: Map<string, Json>, path: string): string {
    switch (type) {
      case 'object': return this.object(k, path);
      case 'array': return this.array(k, path);
      case 'string': return this.string(k, path);
      case 'number': return minimum(k, path, false) ? json.nonNegativeNumber(this.g) : json.number(this.g);
      case 'integer': return this.integer(k, path);
      case 'boolean': return alt('"true"', '"false"');
      default: return '"null"';
    }
  }

  private object(k: Map<string, Json>, path: string): string {
    const g = this.g;
    const properties: [string, Schema | undefined][] = [];
    const props = k.get('properties');
    if (props !== undefined) {
      if (!isObject(props)) throw new InvalidSchemaError(path + '/properties', 'must be an object.');
      for (const [name, s] of Object.entries(props)) properties.push([name, s]);
    }
    const required = new Set<string>();
    const req = k.get('required');
    if (req !== undefined) {
      if (!Array.isArray(req) || req.some((r) => typeof r !== 'string')) {
        throw new InvalidSchemaError(path + '/required', 'must be an array of property names.');
      }
      for (const r of req as string[]) required.add(r);
    }
    const additional = k.get('additionalProperties');
    const closed = additional === false;
    for (const name of required) {
      if (properties.some(([p]) => p === name)) continue;
      if (closed) throw new InvalidSchemaError(path + '/required', `'${name}' is required but not allowed (additionalProperties is false).`);
      properties.push([name, isObject(additional) ? additional : undefined]);
    }

    const ws = json.space(g);
    if (properties.length === 0) {
      if (closed) return seq('"{"', ws, '"}"');
      if (!isObject(additional)) return json.anyObject(g);
      // a map: any keys, every value following additionalProperties
      const v = g.rule(this.value(additional, path + '/additionalProperties'), 'map-value');
      const member = seq(json.string(g), ws, '":"', ws, v);
      return seq('"{"', ws, optional(seq(member, `(${seq(ws, '","', ws, member)})*`, ws)), '"}"');
    }

    // one rule per property's "key: value", then the tails: tail(i, comma) = properties i.. given whether one came before
    const members = properties.map(([name, s]) => g.rule(
      seq(literal(JSON.stringify(name)), ws, '":"', ws, this.value(s === undefined ? true : s, `${path}/properties/${name}`)), `kv-${name}`));
    const tails = new Map<string, string>();
    const tail = (i: number, comma: boolean): string => {
      const key = `${i},${comma}`;
      const known = tails.get(key);
      if (known) return known;
      const separator = comma ? seq(ws, '","', ws) : '';
      let body: string;
      if (i === properties.length) body = '""';
      else if (required.has(properties[i][0])) body = seq(separator, members[i], tail(i + 1, true));
      else body = alt(seq(separator, members[i], tail(i + 1, true)), tail(i + 1, comma));
      const name = g.rule(body, 'tail');
      tails.set(key, name);
      return name;
    };
    return seq('"{"', ws, tail(0, false), ws, '"}"');
  }

  private array(k: Map<string, Json>, path: string): string {
    const g = this.g;
    const min = count(k, 'minItems', path) ?? 0;
    const max = count(k, 'maxItems', path);
    if (max !== null && max < min) throw new InvalidSchemaError(path + '/maxItems', 'is below minItems.');
    if (k.has('uniqueItems') && k.get('uniqueItems') !== false) throw new UnsupportedSchemaError('uniqueItems', "generation can't ensure items differ.");

    const fixed: string[] = [];
    if (k.has('prefixItems')) {
      const list = subschemas(k.get('prefixItems')!, path + '/prefixItems');
      list.forEach((s, i) => fixed.push(g.rule(this.value(s, `${path}/prefixItems/${i}`), 'prefix-item')));
      if (max !== null && max < fixed.length) throw new UnsupportedSchemaError('prefixItems', 'maxItems is below the number of prefixItems.');
    }
    const items = k.get('items');
    const extra = items === false ? null : items === undefined || items === true ? json.value(g) : g.rule(this.value(items, path + '/items'), 'item');
    const extraMin = Math.max(0, min - fixed.length);
    let extraMax = max === null ? null : max - fixed.length;
    if (extra === null) {
      if (extraMin > 0) throw new InvalidSchemaError(path + '/minItems', 'asks for more items than items: false allows.');
      extraMax = 0;
    }

    const ws = json.space(g);
    const separator = seq(ws, '","', ws);
    if (fixed.length > 0) {
      const body = [fixed[0], ...fixed.slice(1).map((item) => seq(separator, item))];
      if (extra !== null && extraMax !== 0) body.push(repeat(seq(separator, extra), extraMin, extraMax));
      return seq('"["', ws, ...body, ws, '"]"');
    }
    if (extraMax === 0) return seq('"["', ws, '"]"');
    const elements = seq(extra!, repeat(seq(separator, extra!), Math.max(0, extraMin - 1), extraMax === null ? null : extraMax - 1));
    return extraMin > 0 ? seq('"["', ws, elements, ws, '"]"') : seq('"["', ws, optional(seq(elements, ws)), '"]"');
  }

  private string(k: Map<string, Json>, path: string): string {
    const g = this.g;
    const minLength = count(k, 'minLength', path);
    const maxLength = count(k, 'maxLength', path);
    const hasLength = minLength !== null || maxLength !== null;
    if (k.has('format')) {
      const format = k.get('format');
      if (typeof format !== 'string') throw new InvalidSchemaError(path + '/format', 'must be a string.');
      const pattern = STRING_FORMATS[format];
      if (pattern === undefined) {
        throw new UnsupportedSchemaError('format', `format '${format}' is not supported (supported: ${Object.keys(STRING_FORMATS).join(', ')}).`);
      }
      if (k.has('pattern')) throw new UnsupportedSchemaError('pattern', 'pattern together with format is not supported.');
      if (hasLength) throw new UnsupportedSchemaError(minLength !== null ? 'minLength' : 'maxLength', 'length limits together with format are not supported.');
      return json.quoted(g.rule(regexGrammar(g, pattern, 'format'), `format-${format}`));
    }
    if (k.has('pattern')) {
      const regex = k.get('pattern');
      if (typeof regex !== 'string') throw new InvalidSchemaError(path + '/pattern', 'must be a string.');
      if (hasLength) throw new UnsupportedSchemaError(minLength !== null ? 'minLength' : 'maxLength', 'length limits together with pattern are not supported.');
      return json.quoted(g.rule(regexGrammar(g, regex), 'pattern'));
    }
    if (!hasLength) return json.string(g);
    if (maxLength !== null && minLength !== null && maxLength < minLength) throw new InvalidSchemaError(path + '/maxLength', 'is below minLength.');
    if (maxLength !== null && maxLength > 100_000) throw new UnsupportedSchemaError('maxLength', 'at most 100000 is supported.');
    return json.quoted(repeat(json.stringChar(g), minLength ?? 0, maxLength));
  }

  private integer(k: Map<string, Json>, path: string): string {
    if (!minimum(k, path, true)) return json.integer(this.g);
    const positive = k.has('exclusiveMinimum') || (k.get('minimum') as number) > 0;
    return positive ? '([1-9] [0-9]*)' : json.natural(this.g);
  }

  private ref(reference: string): string {
    const known = this.refs.get(reference);
    if (known) return known;
    const target = this.resolve(reference);
    const name = this.g.reserve('ref');
    this.refs.set(reference, name);
    this.g.define(name, this.value(target, reference));
    return name;
  }

  private resolve(reference: string): Json {
    if (!reference.startsWith('#')) {
      throw new UnsupportedSchemaError('$ref', `'${reference}' is not within the document (only '#...' references are supported).`);
    }
    let node: Json = this.root;
    const pointer = decodeURIComponent(reference.slice(1));
    if (pointer.length === 0) return node;
    if (!pointer.startsWith('/')) throw new UnsupportedSchemaError('$ref', `'${reference}' is not a JSON pointer ('#/$defs/Name').`);
    for (const raw of pointer.slice(1).split('/')) {
      const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      if (isObject(node) && Object.hasOwn(node, part)) node = node[part];
      else if (Array.isArray(node) && /^\d+$/.test(part) && Number(part) < node.length) node = node[Number(part)];
      else throw new InvalidSchemaError('$ref', `'${reference}' points to nothing in the schema.`);
    }
    return node;
  }
}

function typesOf(k: Map<string, Json>, path: string): string[] | null {
  if (!k.has('type')) return null;
  const type = k.get('type');
  let names: string[];
  if (typeof type === 'string') names = [type];
  else if (Array.isArray(type) && type.every((t) => typeof t === 'string')) names = type as string[];
  else throw new InvalidSchemaError(path + '/type', 'must be a type name or an array of them.');
  for (const n of names) if (!ALL_TYPES.includes(n)) throw new InvalidSchemaError(path + '/type', `'${n}' is not a JSON schema type.`);
  if (names.length === 0) throw new InvalidSchemaError(path + '/type', 'the list of types is empty.');
  return [...new Set(names)];
}

function inferTypes(k: Map<string, Json>): string[] {
  const inferred = ALL_TYPES.filter((t) => [...k.keys()].some((name) => KEYWORDS[t].has(name)));
  return inferred.length > 0 ? inferred.filter((t) => t !== 'integer' || !inferred.includes('number')) : ALL_TYPES;
}

/** True when the value must be at least 0 (or above 0 / at least 1 for integers); other bounds are refused. */
function minimum(k: Map<string, Json>, path: string, integer: boolean): boolean {
  if (k.has('exclusiveMinimum')) {
    if (k.has('minimum')) throw new UnsupportedSchemaError('exclusiveMinimum', 'together with minimum is not supported.');
    if (!integer || k.get('exclusiveMinimum') !== 0) throw new UnsupportedSchemaError('exclusiveMinimum', 'only exclusiveMinimum: 0 on integers is supported.');
    return true;
  }
  if (!k.has('minimum')) return false;
  const v = k.get('minimum');
  if (typeof v !== 'number') throw new InvalidSchemaError(path + '/minimum', 'must be a number.');
  if (v <= 0 || (integer && v === 1)) return true;
  throw new UnsupportedSchemaError('minimum', integer ? 'only minimum of at most 0, or 1, is supported.' : 'only a minimum of at most 0 is supported.');
}

function count(k: Map<string, Json>, keyword: string, path: string): number | null {
  if (!k.has(keyword)) return null;
  const v = k.get(keyword);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2147483647) {
    throw new InvalidSchemaError(`${path}/${keyword}`, 'must be a non-negative integer.');
  }
  return v;
}

function subschemas(list: Json, path: string): Schema[] {
  if (!Array.isArray(list) || list.length === 0) throw new InvalidSchemaError(path, 'must be a non-empty array of schemas.');
  return list;
}

function only(k: Map<string, Json>, ...allowed: string[]) {
  for (const name of k.keys()) {
    if (!allowed.includes(name)) throw new UnsupportedSchemaError(name, `'${name}' beside '${allowed[0]}' is not supported.`);
  }
}

function typeOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}
