// Prompt text for models without a chat template (stories260K and other base models).
// Like llama.cpp's plain-completion fallback, it is the message contents joined by newlines, with no role
// markers: a base model simply continues the text. Models with a template use the engine's own formatting.
import type { ChatMessage } from './wire';

export function templatelessPrompt(messages: ChatMessage[]): string {
  return messages.map((m) => m.content).join('\n');
}
