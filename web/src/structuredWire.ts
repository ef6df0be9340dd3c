// OpenAI's response_format, tools, tool_choice and parallel_tool_calls: parsed and checked the way the C# server
// does (same messages, params and codes), so a request either runtime refuses gets the same 400. A schema the
// grammar compiler can't enforce is refused here, before any model runs.
import { ApiError, badRequest } from './errors';
import { checkSchema } from './jsonSchemaGrammar';
import { InvalidSchemaError, UnsupportedSchemaError } from './schemaErrors';

export type ResponseFormat = { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; name: string; schema: unknown };

export interface FunctionTool { name: string; description?: string; parameters?: Record<string, unknown>; strict: boolean }

export type ToolChoice = 'none' | 'auto' | 'required' | { function: string };

export interface StructuredRequest {
  responseFormat: ResponseFormat;
  tools: FunctionTool[];
  toolChoice: ToolChoice | null;
  parallelToolCalls: boolean;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

export const invalidType = (param: string, expected: string) =>
  badRequest(`Invalid type for '${param}': expected ${expected}.`, param, 'invalid_type');
export const invalidValue = (param: string, message: string) =>
  badRequest(`Invalid value for '${param}': ${message}`, param, 'invalid_value');
export const unsupported = (param: string, why: string) =>
  badRequest(`Unsupported parameter '${param}': ${why}`, param, 'unsupported_parameter');
const missing = (what: string, param: string) =>
  badRequest(`Missing required parameter: '${what}'.`, param, 'missing_required_parameter');

const str = (v: unknown, param: string) => { if (typeof v !== 'string') throw invalidType(param, 'a string'); return v; };
const bool = (v: unknown, param: string) => { if (typeof v !== 'boolean') throw invalidType(param, 'a boolean'); return v; };

export function parseStructured(body: Json): StructuredRequest {
  const responseFormat = body.response_format == null ? { type: 'text' as const } : parseResponseFormat(body.response_format);
  const strict: string[] = [];
  const tools = body.tools == null ? [] : parseTools(body.tools, strict);
  const toolChoice = body.tool_choice == null ? null : parseToolChoice(body.tool_choice);
  const parallelToolCalls = body.parallel_tool_calls == null ? true : bool(body.parallel_tool_calls, 'parallel_tool_calls');
  checkChoice(tools, toolChoice, strict);
  return { responseFormat, tools, toolChoice, parallelToolCalls };
}

export function parseResponseFormat(v: unknown): ResponseFormat {
  if (!isObject(v) || typeof v.type !== 'string') throw invalidType('response_format', "an object with a 'type'");
  for (const key of Object.keys(v)) {
    if (key !== 'type' && key !== 'json_schema') throw unsupported(`response_format.${key}`, 'this server does not support it.');
  }
  switch (v.type) {
    case 'text': return { type: 'text' };
    case 'json_object': return { type: 'json_object' };
    case 'json_schema': {
      if (!isObject(v.json_schema)) throw missing('response_format.json_schema', 'response_format');
      return jsonSchema(v.json_schema);
    }
    default: throw invalidValue('response_format', `type '${v.type}' is not one of text, json_object, json_schema.`);
  }
}

function jsonSchema(spec: Json): ResponseFormat {
  let name: string | null = null;
  let schema: unknown = undefined;
  for (const [key, value] of Object.entries(spec)) {
    if (value === null) continue;
    switch (key) {
      case 'name': name = str(value, 'response_format.json_schema.name'); break;
      case 'description': str(value, 'response_format.json_schema.description'); break;
      case 'strict': bool(value, 'response_format.json_schema.strict'); break; // always strict: the grammar enforces the schema
      case 'schema':
        if (!isObject(value) && value !== true) throw invalidType('response_format.json_schema.schema', 'a JSON schema object');
        schema = value;
        break;
      default: throw unsupported(`response_format.json_schema.${key}`, 'this server does not support it.');
    }
  }
  if (name === null) throw missing('response_format.json_schema.name', 'response_format');
  if (!NAME.test(name)) throw invalidValue('response_format', 'json_schema.name must be 1 to 64 letters, digits, underscores or dashes.');
  schema ??= { type: 'object' };
  checkEnforceable(schema, 'response_format');
  return { type: 'json_schema', name, schema };
}

/** Compiles a schema to see that it can be enforced; a 400 on param naming the keyword otherwise. */
export function checkEnforceable(schema: unknown, param: string): void {
  try {
    checkSchema(schema);
  } catch (e) {
    if (e instanceof UnsupportedSchemaError) throw unsupported(param, e.message);
    if (e instanceof InvalidSchemaError) throw invalidValue(param, e.message);
    throw e;
  }
}

function parseTools(v: unknown, strict: string[]): FunctionTool[] {
  if (!Array.isArray(v)) throw invalidType('tools', 'an array');
  const tools: FunctionTool[] = [];
  for (const t of v) {
    if (!isObject(t) || t.type !== 'function') throw invalidValue('tools', 'every tool must be an object with "type": "function".');
    if (!isObject(t.function)) throw invalidType('tools.function', 'an object');
    const tool: Partial<FunctionTool> = { strict: false };
    for (const [key, value] of Object.entries(t.function)) {
      if (value === null) continue;
      switch (key) {
        case 'name': tool.name = str(value, 'tools.function.name'); break;
        case 'description': tool.description = str(value, 'tools.function.description'); break;
        case 'parameters':
          if (!isObject(value)) throw invalidType('tools.function.parameters', 'a JSON schema object');
          tool.parameters = value;
          break;
        case 'strict': tool.strict = bool(value, 'tools.function.strict'); break;
        default: throw unsupported(`tools.function.${key}`, 'this server does not support it.');
      }
    }
    if (tool.name === undefined) throw invalidType('tools.function.name', 'a string');
    if (!NAME.test(tool.name)) throw invalidValue('tools', `function name '${tool.name}' must be 1 to 64 letters, digits, underscores or dashes.`);
    if (tools.some((x) => x.name === tool.name)) throw invalidValue('tools', `two functions are named '${tool.name}'.`);
    if (tool.strict) strict.push(tool.name);
    tools.push(tool as FunctionTool);
  }
  return tools;
}

export function parseToolChoice(v: unknown): ToolChoice {
  if (typeof v === 'string') {
    if (v === 'none' || v === 'auto' || v === 'required') return v;
    throw invalidValue('tool_choice', `'${v}' is not one of none, auto, required.`);
  }
  if (isObject(v) && isObject(v.function) && typeof v.function.name === 'string') {
    if (v.type !== undefined && v.type !== 'function') throw invalidValue('tool_choice', 'type must be "function".');
    return { function: v.function.name };
  }
  throw invalidType('tool_choice', '"none", "auto", "required" or {"type":"function","function":{"name":...}}');
}

/** The functions a forced call may be made to, or null when no call is forced. */
export function forcedFunctions(tools: FunctionTool[], choice: ToolChoice | null): FunctionTool[] | null {
  if (choice === 'required') return tools;
  if (choice !== null && typeof choice === 'object') return tools.filter((t) => t.name === choice.function);
  return null;
}

/**
 * tool_choice against tools: a forced call needs tools, a named function must be one of them, and the schemas of
 * the functions a call is forced to must compile. "strict": true is refused where no call is forced (arguments are
 * not constrained then) rather than ignored.
 */
function checkChoice(tools: FunctionTool[], choice: ToolChoice | null, strict: string[]) {
  const forced = forcedFunctions(tools, choice);
  if (forced === null) {
    if (strict.length > 0 && tools.length > 0 && choice !== 'none') {
      throw unsupported('tools', `"strict": true on '${strict[0]}' is enforced only when tool_choice forces a call ("required" or a named function); with "auto" arguments are not constrained.`);
    }
    return;
  }
  if (tools.length === 0) throw invalidValue('tool_choice', 'a tool call is required, but no tools were given.');
  if (forced.length === 0) throw invalidValue('tool_choice', `the function '${(choice as { function: string }).function}' is not among the tools.`);
  for (const f of forced) checkEnforceable(f.parameters ?? { type: 'object' }, 'tools');
}

/** A 400 for tools offered to a model that can't call them. */
export const noToolFormat = (model: string, why: string) =>
  new ApiError(400, `The model '${model}' ${why}, so it can't be given tools.`, 'invalid_request_error', 'tools', 'unsupported_parameter');
