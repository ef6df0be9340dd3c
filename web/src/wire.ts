// OpenAI chat wire types and their validation. A request that passes parseChatRequest is safe to run.
import { badRequest } from './errors';
import { parseStructured, type StructuredRequest } from './structuredWire';

export type Role = 'system' | 'user' | 'assistant' | 'tool' | 'developer';
const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool', 'developer']);

export interface ChatMessage {
  role: Role;
  content: string;
  name?: string;
  tool_calls?: unknown[];
  tool_call_id?: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | null;
  temperature: number;
  topP: number;
  seed: number | null;
  stop: string[];
  frequencyPenalty: number;
  presencePenalty: number;
  conversationId: string | null;
  /** response_format, tools, tool_choice, parallel_tool_calls. */
  structured: StructuredRequest;
}

/** Every body field this runtime honours; anything else is refused with a 400 naming it, never ignored. */
const KNOWN = new Set([
  'model', 'messages', 'stream', 'stream_options', 'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'stop',
  'seed', 'n', 'frequency_penalty', 'presence_penalty', 'conversation_id',
  'response_format', 'tools', 'tool_choice', 'parallel_tool_calls',
]);
/** Accepted without effect, as the C# service does: they carry no meaning for generation. */
const INERT = new Set(['user', 'store', 'metadata', 'service_tier']);

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Message content may be a string or OpenAI's array of parts; only text parts are supported. */
function contentText(content: unknown, index: number): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => {
      if (isObject(part) && part.type === 'text' && typeof part.text === 'string') return part.text;
      throw badRequest(`messages[${index}].content: only text parts are supported.`, 'messages');
    }).join('');
  }
  throw badRequest(`messages[${index}].content must be a string or an array of text parts.`, 'messages');
}

function parseMessages(raw: unknown): ChatMessage[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw badRequest("'messages' must be a non-empty array of {role, content} objects.", 'messages');
  }
  return raw.map((m, i) => {
    if (!isObject(m)) throw badRequest(`messages[${i}] must be an object.`, 'messages');
    if (typeof m.role !== 'string' || !ROLES.has(m.role)) {
      throw badRequest(`messages[${i}].role must be one of system, user, assistant, tool, developer.`, 'messages');
    }
    const message: ChatMessage = { role: m.role as Role, content: contentText(m.content, i) };
    if (typeof m.name === 'string') message.name = m.name;
    if (m.role === 'assistant' && m.tool_calls != null) message.tool_calls = parseToolCalls(m.tool_calls, `messages[${i}].tool_calls`);
    if (typeof m.tool_call_id === 'string') message.tool_call_id = m.tool_call_id;
    else if (m.role === 'tool') {
      throw badRequest(`Missing required parameter: 'messages[${i}].tool_call_id'.`, 'messages', 'missing_required_parameter');
    }
    return message;
  });
}

/**
 * An assistant message's tool_calls, checked as the C# server does (errors name the messages parameter) and kept in
 * OpenAI's canonical shape: {id, type: "function", function: {name, arguments}} with arguments a JSON object's text.
 */
function parseToolCalls(v: unknown, param: string): unknown[] {
  const invalid = (message: string) => badRequest(message, 'messages', message.startsWith('Invalid type') ? 'invalid_type' : 'invalid_value');
  if (!Array.isArray(v)) throw invalid(`Invalid type for '${param}': expected an array.`);
  return v.map((c) => {
    if (!isObject(c) || !isObject(c.function)) throw invalid(`Invalid type for '${param}': expected tool calls with a 'function' object.`);
    if (typeof c.id !== 'string') throw invalid(`Invalid type for '${param}.id': expected a string.`);
    if (typeof c.function.name !== 'string') throw invalid(`Invalid type for '${param}.function.name': expected a string.`);
    const args = typeof c.function.arguments === 'string' ? c.function.arguments : '{}';
    let parsed: unknown;
    try { parsed = JSON.parse(args); } catch { parsed = null; }
    if (!isObject(parsed)) throw invalid(`Invalid value for '${param}.function.arguments': must be a JSON object encoded as a string.`);
    return { id: c.id, type: 'function', function: { name: c.function.name, arguments: args } };
  });
}

function numberIn(body: Json, key: string, min: number, max: number, fallback: number): number {
  const v = body[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw badRequest(`'${key}' must be a number between ${min} and ${max}.`, key);
  }
  return v;
}

function intAtLeast(body: Json, key: string, min: number): number | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw badRequest(`'${key}' must be an integer of at least ${min}.`, key);
  }
  return v;
}

function parseStop(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string') || list.length > 4) {
    throw badRequest("'stop' must be a string or an array of at most 4 strings.", 'stop');
  }
  return list.filter((s) => s !== '');
}

export function parseJsonBody(text: string): Json {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw badRequest(`The request body is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(body)) throw badRequest('The request body must be a JSON object.');
  return body;
}

export function parseChatRequest(body: Json, conversationHeader: string | null): ChatRequest {
  for (const [key, value] of Object.entries(body)) {
    if (value === null || KNOWN.has(key) || INERT.has(key)) continue;
    throw badRequest(`Unsupported parameter '${key}': this runtime does not support it.`, key, 'unsupported_parameter');
  }
  if (isObject(body.stream_options)) {
    for (const key of Object.keys(body.stream_options)) {
      if (key !== 'include_usage' && key !== 'include_obfuscation') {
        throw badRequest(`Unsupported parameter 'stream_options.${key}'.`, `stream_options.${key}`, 'unsupported_parameter');
      }
    }
  }
  const messages = parseMessages(body.messages);
  if (typeof body.model !== 'string' || body.model === '') throw badRequest("'model' is required.", 'model');
  const n = intAtLeast(body, 'n', 1);
  if (n !== null && n > 1) throw badRequest("Only n=1 is supported: this runtime generates one choice.", 'n');
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw badRequest("'stream' must be a boolean.", 'stream');
  }
  const streamOptions = isObject(body.stream_options) ? body.stream_options : {};
  const maxTokens = intAtLeast(body, 'max_completion_tokens', 1) ?? intAtLeast(body, 'max_tokens', 1);
  const bodyConversation = body.conversation_id;
  if (bodyConversation !== undefined && bodyConversation !== null && typeof bodyConversation !== 'string') {
    throw badRequest("'conversation_id' must be a string.", 'conversation_id');
  }
  return {
    model: body.model,
    messages,
    stream: body.stream === true,
    includeUsage: streamOptions.include_usage === true,
    maxTokens,
    temperature: numberIn(body, 'temperature', 0, 2, 1),
    topP: numberIn(body, 'top_p', 0, 1, 1),
    seed: intAtLeast(body, 'seed', Number.MIN_SAFE_INTEGER),
    stop: parseStop(body.stop),
    frequencyPenalty: numberIn(body, 'frequency_penalty', -2, 2, 0),
    presencePenalty: numberIn(body, 'presence_penalty', -2, 2, 0),
    conversationId: conversationHeader || (bodyConversation as string | undefined) || null,
    structured: parseStructured(body),
  };
}

export interface Usage { prompt_tokens: number; completion_tokens: number; total_tokens: number }

export const usage = (prompt: number, completion: number): Usage =>
  ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });
