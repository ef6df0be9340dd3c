// How a model family writes tool calls, judged by its chat template (the C# server's ToolCallFormat, same rules):
//   hermes      (Qwen2.5, Qwen3, Hermes 3): <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>, anywhere, several allowed;
//   llama3-json (Llama 3.1/3.2): a reply that starts with {"name": ..., "parameters": {...}} (optionally after <|python_tag|>), one per reply.

export const OPEN_TAG = '<tool_call>';
export const CLOSE_TAG = '</tool_call>';
export const PYTHON_TAG = '<|python_tag|>';

export interface ToolCallFormat {
  name: 'hermes' | 'llama3-json';
  /** null for tag formats (calls anywhere); else the optional marker before a call at the start of the reply. */
  leadingTag: string | null;
  argumentsKey: 'arguments' | 'parameters';
  envelopeStart: string;
  envelopeEnd: string;
  /** Text between two forced calls, or null when forced calls do not chain. */
  parallelSeparator: string | null;
}

export const HERMES: ToolCallFormat = {
  name: 'hermes', leadingTag: null, argumentsKey: 'arguments', envelopeStart: OPEN_TAG + '\n', envelopeEnd: '}\n' + CLOSE_TAG, parallelSeparator: '\n',
};

export const LLAMA3_JSON: ToolCallFormat = {
  name: 'llama3-json', leadingTag: PYTHON_TAG, argumentsKey: 'parameters', envelopeStart: '', envelopeEnd: '}', parallelSeparator: null,
};

/** The format a chat template asks for, or null when it shows none (tools are refused then). */
export function detectToolCallFormat(template: string | null | undefined): ToolCallFormat | null {
  if (!template) return null;
  if (template.includes(OPEN_TAG)) return HERMES;
  if (template.includes(PYTHON_TAG)) return LLAMA3_JSON;
  if (template.includes('<|start_header_id|>') && template.includes('"parameters"')) return LLAMA3_JSON;
  return null;
}

/** The text a forced call of this function starts with; its arguments object and envelopeEnd follow. */
export const forcedCallPrefix = (format: ToolCallFormat, functionName: string) =>
  `${format.envelopeStart}{"name": ${JSON.stringify(functionName)}, "${format.argumentsKey}": `;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh call id: call_ and 24 letters and digits. */
export function newCallId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return 'call_' + Array.from(bytes, (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
}
