// Messages and tools in the OpenAI shape llama.cpp's chat-template renderer reads: assistant tool calls with their
// arguments, tool results with the call id they answer.
import type { FunctionTool } from './structuredWire';
import type { ChatMessage } from './wire';

export function wllamaMessages(messages: ChatMessage[]): Record<string, unknown>[] {
  return messages.map((m) => {
    const out: Record<string, unknown> = { role: m.role, content: m.content };
    if (m.name !== undefined) out.name = m.name;
    if (m.tool_calls?.length) out.tool_calls = m.tool_calls;
    if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
    return out;
  });
}

export const openAiTools = (tools: FunctionTool[]) => tools.map((t) => ({
  type: 'function',
  function: { name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), parameters: t.parameters ?? { type: 'object', properties: {} } },
}));
