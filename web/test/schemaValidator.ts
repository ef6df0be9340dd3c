// An independent JSON schema validator for the keywords the grammar supports: tests check every constrained output
// with it. Returns null when the value is valid, else where and why not.
import { STRING_FORMATS } from '../src/regexGrammar';

type Json = unknown;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeOk(t: string, v: Json): boolean {
  switch (t) {
    case 'object': return isObject(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'number': return typeof v === 'number';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'boolean': return typeof v === 'boolean';
    case 'null': return v === null;
  }
  return false;
}

export function validate(schema: Json, value: Json, root: Json = schema, at = '$'): string | null {
  if (schema === true) return null;
  if (!isObject(schema)) return `${at}: bad schema`;
  if (typeof schema.$ref === 'string') {
    let node: Json = root;
    for (const part of schema.$ref.slice(2).split('/').filter(Boolean)) node = (node as Record<string, Json>)[part];
    return validate(node, value, root, at);
  }
  if (Array.isArray(schema.anyOf)) return schema.anyOf.some((s) => validate(s, value, root, at) === null) ? null : `${at}: no anyOf branch matches`;
  if (Array.isArray(schema.allOf)) return schema.allOf.map((s) => validate(s, value, root, at)).find((e) => e !== null) ?? null;
  if ('const' in schema) return JSON.stringify(schema.const) === JSON.stringify(value) ? null : `${at}: not the const`;
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) return `${at}: not in enum`;
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type as string[] : [schema.type as string];
    if (!types.some((t) => typeOk(t, value))) return `${at}: not of type ${types.join('/')}`;
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return `${at}: below minimum`;
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) return `${at}: not above exclusiveMinimum`;
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength) return `${at}: shorter than minLength`;
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) return `${at}: longer than maxLength`;
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) return `${at}: does not match pattern`;
    if (typeof schema.format === 'string') {
      if (!new RegExp(`^(?:${STRING_FORMATS[schema.format]})$`).test(value)) return `${at}: not a ${schema.format}`;
      if (schema.format.startsWith('date') && Number.isNaN(Date.parse(value.slice(0, 10)))) return `${at}: not a real date`;
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) return `${at}: fewer than minItems`;
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) return `${at}: more than maxItems`;
    const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
    for (let i = 0; i < value.length; i++) {
      const s = i < prefix.length ? prefix[i] : schema.items ?? true;
      if (s === false) return `${at}[${i}]: no item allowed here`;
      const e = validate(s, value[i], root, `${at}[${i}]`);
      if (e) return e;
    }
  }
  if (isObject(value)) {
    const props = isObject(schema.properties) ? schema.properties : {};
    for (const r of (schema.required as string[] | undefined) ?? []) if (!(r in value)) return `${at}: missing ${r}`;
    for (const [k, v] of Object.entries(value)) {
      const s = k in props ? props[k] : schema.additionalProperties ?? true;
      if (s === false) return `${at}.${k}: not allowed`;
      const e = validate(s, v, root, `${at}.${k}`);
      if (e) return e;
    }
  }
  return null;
}
