// What one request asks of the reply's shape, for one engine: the grammar that constrains decoding, the tools to
// render into the prompt, and how tool calls are read back (the C# server's StructuredOutput.Plan, same rules):
//   response_format json_object / json_schema: every token is masked to the schema's grammar;
//   tools, tool_choice auto (the default): tools rendered through the template, the reply free, calls parsed out of it
//     (with a response_format too: either calls or the JSON answer; one call only with parallel_tool_calls false);
//   tool_choice none: tools neither rendered nor parsed;
//   tool_choice required / a named function: the reply forced into the model's own call envelope, arguments masked
//     to the function's parameters schema; several calls in a row where the format allows and parallel_tool_calls allows.
import { Gbnf, alt, literal, seq } from './gbnf';
import { space } from './jsonGrammar';
import { anyObjectGrammar, embedSchema, schemaGrammar } from './jsonSchemaGrammar';
import { forcedCallPrefix, type ToolCallFormat } from './toolCallFormat';
import { forcedFunctions, noToolFormat, type FunctionTool, type StructuredRequest } from './structuredWire';

export interface StructuredPlan {
  /** GBNF applied at every sampling step, or null for free text. */
  grammar: string | null;
  /** Tools to render into the prompt through the chat template (null: none). */
  tools: FunctionTool[] | null;
  /** The format to read tool calls in, or null when the reply is plain content. */
  format: ToolCallFormat | null;
}

export interface ToolCapableEngine {
  readonly modelId: string;
  /** The model's tool-call format, or null with the reason it has none. */
  toolCallFormat(): { format: ToolCallFormat | null; why: string };
}

export function planStructured(request: StructuredRequest, engine: ToolCapableEngine): StructuredPlan {
  const { responseFormat, tools, toolChoice, parallelToolCalls } = request;
  const responseSchema = responseFormat.type === 'json_schema' ? responseFormat.schema
    : responseFormat.type === 'json_object' ? null : undefined;
  if (tools.length === 0 || toolChoice === 'none') {
    const grammar = responseSchema === undefined ? null : responseSchema === null ? anyObjectGrammar() : schemaGrammar(responseSchema);
    return { grammar, tools: null, format: null };
  }
  const { format, why } = engine.toolCallFormat();
  if (!format) throw noToolFormat(engine.modelId, why);
  const forced = forcedFunctions(tools, toolChoice);
  const separator = parallelToolCalls ? format.parallelSeparator : null;
  if (forced) return { grammar: toolCallsGrammar(format, forced, separator, undefined), tools, format };
  const grammar = responseSchema === undefined ? null : toolCallsGrammar(format, tools, separator, responseSchema);
  return { grammar, tools, format };
}

/**
 * A reply that is tool calls: one of the functions' envelopes with arguments valid against its parameters schema;
 * with a separator, more calls may follow. With orSchema (null: any object), a JSON answer is the alternative.
 */
export function toolCallsGrammar(format: ToolCallFormat, functions: FunctionTool[], separator: string | null, orSchema: unknown | undefined): string {
  const g = new Gbnf();
  const envelopes = functions.map((f) =>
    seq(literal(forcedCallPrefix(format, f.name)), embedSchema(g, f.parameters ?? { type: 'object' }), literal(format.envelopeEnd)));
  const call = g.rule(alt(...envelopes), 'call');
  const reply = separator === null ? call : seq(call, `(${seq(literal(separator), call)})*`);
  if (orSchema === undefined) return g.build(reply);
  const ws = space(g);
  return g.build(alt(reply, seq(ws, embedSchema(g, orSchema === null ? { type: 'object' } : orSchema), ws)));
}
