// POST /v1/chat/completions: validation, model and conversation lookup, history replay with a sliding window,
// then the answer as one JSON object or as server-sent events. The bytes are the same whichever runtime runs it.
import type { RuntimeContext } from './handler';
import type { ChatEngine, GenerateOptions, GenerateResult } from './engine';
import type { ConversationRecord, MessageRecord } from './db';
import { ApiError, conversationNotFound, modelNotFound, toApiError } from './errors';
import { Generation } from './generation';
import { json, randomId, unixSeconds } from './http';
import { sseData, sseDone, SSE_HEADERS } from './sse';
import { parseChatRequest, parseJsonBody, usage, type ChatMessage, type ChatRequest } from './wire';
import { titleFrom } from './conversations';
import { forwardToServer } from './upstream';
import { planStructured } from './structuredPlan';
import { ReplyAssembler, type ToolCall } from './replyAssembler';

export async function chatCompletions(ctx: RuntimeContext, req: Request): Promise<Response> {
  const text = await req.text();
  const chat = parseChatRequest(parseJsonBody(text), req.headers.get('x-conversation-id'));
  const entry = ctx.host.find(chat.model);
  const engine = entry ? await ctx.host.ready(entry) : null;
  if (!engine) {
    const server = ctx.host.getConfig().serverBaseUrl;
    if (server) return forwardToServer(server, '/v1/chat/completions', req, text);
    if (!entry) throw modelNotFound(chat.model);
    throw new ApiError(400, `The model '${chat.model}' is not downloaded yet: load it with POST /v1/models/load first.`,
      'invalid_request_error', 'model', 'model_not_loaded');
  }

  let conversation: ConversationRecord | null = null;
  if (chat.conversationId) {
    conversation = (await ctx.db.getConversation(chat.conversationId)) ?? null;
    if (!conversation) throw conversationNotFound(chat.conversationId, 'conversation_id');
  }
  const stored = conversation ? await ctx.db.messages(conversation.id) : [];
  const fresh = newTurns(stored, chat.messages);
  const plan = planStructured(chat.structured, engine);
  const abort = new AbortController();
  const options: GenerateOptions = {
    maxTokens: chat.maxTokens, temperature: chat.temperature, topP: chat.topP, seed: chat.seed, stop: chat.stop,
    frequencyPenalty: chat.frequencyPenalty, presencePenalty: chat.presencePenalty, signal: abort.signal,
    grammar: plan.grammar, tools: plan.tools,
  };
  const generation = await startWithinWindow(engine, stored.map(toChatMessage), fresh, options);
  conversation ??= await ctx.db.createConversation({ title: titleFrom(firstUserText(chat.messages)), model: chat.model });

  const turn = new Turn(ctx, conversation.id, engine, chat, fresh);
  const headers = { 'x-conversation-id': conversation.id, 'x-hearth-runtime': ctx.runtime };
  const reply = new ReplyAssembler(plan.format);
  if (!chat.stream) {
    let result: GenerateResult;
    try {
      const pieces = generation.pieces();
      for (;;) {
        const next = await pieces.next();
        if (next.done) { result = next.value; break; }
        reply.push(next.value);
      }
    } catch (err) {
      throw toApiError(err);
    }
    reply.finish();
    await turn.save(reply.content, reply.calls, result, false);
    const message: Record<string, unknown> = { role: 'assistant', content: reply.content === '' && reply.calls.length ? null : reply.content };
    if (reply.calls.length) message.tool_calls = reply.calls.map(toolCallJson);
    return json({
      id: turn.id, object: 'chat.completion', created: turn.created, model: chat.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: reply.finishReason(result.finishReason) }],
      usage: usage(result.promptTokens, result.completionTokens),
    }, 200, headers);
  }

  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    id: turn.id, object: 'chat.completion.chunk', created: turn.created, model: chat.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  let finished = false;
  const body = new ReadableStream<Uint8Array>({
    start: (controller) => {
      (async () => {
        controller.enqueue(sseData(chunk({ role: 'assistant', content: '' }, null)));
        try {
          const pieces = generation.pieces();
          let result: GenerateResult;
          for (;;) {
            const next = await pieces.next();
            if (next.done) { result = next.value; break; }
            for (const delta of reply.push(next.value)) controller.enqueue(sseData(chunk(delta, null)));
          }
          for (const delta of reply.finish()) controller.enqueue(sseData(chunk(delta, null)));
          finished = true;
          await turn.save(reply.content, reply.calls, result, false);
          controller.enqueue(sseData(chunk({}, reply.finishReason(result.finishReason))));
          if (chat.includeUsage) {
            controller.enqueue(sseData({
              id: turn.id, object: 'chat.completion.chunk', created: turn.created, model: chat.model, choices: [],
              usage: usage(result.promptTokens, result.completionTokens),
            }));
          }
        } catch (err) {
          if (abort.signal.aborted) return;
          controller.enqueue(sseData(toApiError(err).toJSON()));
        }
        controller.enqueue(sseDone());
        controller.close();
      })().catch(() => {});
    },
    cancel: async () => {
      abort.abort();
      if (finished) return;
      reply.finish();
      await turn.save(reply.content, reply.calls, null, true).catch(() => {});
    },
  });
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...headers } });
}

/** One request's exchange, saved to the conversation when it ends (or is interrupted). */
class Turn {
  readonly id = randomId('chatcmpl-');
  readonly created = unixSeconds();
  constructor(private readonly ctx: RuntimeContext, private readonly conversationId: string, private readonly engine: ChatEngine,
    private readonly chat: ChatRequest, private readonly fresh: ChatMessage[]) {}

  async save(content: string, calls: ToolCall[], result: GenerateResult | null, interrupted: boolean) {
    const asked = this.fresh.map((m) => ({
      role: m.role, content: m.content, name: m.name, toolCalls: m.tool_calls, toolCallId: m.tool_call_id, interrupted: false, timings: {},
    }));
    await this.ctx.db.appendMessages(this.conversationId, [...asked, {
      role: 'assistant', content, toolCalls: calls.length ? calls.map(toolCallJson) : undefined, model: this.chat.model, provider: `${this.engine.kind}@${this.ctx.runtime}`,
      promptTokens: result?.promptTokens, completionTokens: result?.completionTokens,
      finishReason: result ? (calls.length ? 'tool_calls' : result.finishReason) : undefined,
      interrupted, timings: result?.timings ?? {},
    }]);
  }
}

const toChatMessage = (m: MessageRecord): ChatMessage => ({
  role: m.role as ChatMessage['role'], content: m.content,
  ...(m.name !== undefined ? { name: m.name } : {}),
  ...(m.toolCalls !== undefined ? { tool_calls: m.toolCalls } : {}),
  ...(m.toolCallId !== undefined ? { tool_call_id: m.toolCallId } : {}),
});

/** A call as OpenAI's tool_calls entry (also how the conversation store keeps it). */
const toolCallJson = (c: ToolCall) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } });

const firstUserText = (messages: ChatMessage[]) => (messages.find((m) => m.role === 'user') ?? messages[0]).content;

/**
 * The request's messages are the new turns. A client that resends the whole conversation is recognised: when the
 * request starts with the stored messages, only what follows them is new.
 */
export function newTurns(stored: MessageRecord[], messages: ChatMessage[]): ChatMessage[] {
  if (stored.length === 0 || messages.length <= stored.length) return messages;
  const replayed = stored.every((s, i) => s.role === messages[i].role && s.content === messages[i].content);
  return replayed ? messages.slice(stored.length) : messages;
}

/**
 * Starts generation over history + fresh turns. When that does not fit the context window, the oldest history
 * turns (after any leading system message) are dropped two at a time until it does; if the fresh turns alone do
 * not fit, the context-length error stands.
 */
async function startWithinWindow(engine: ChatEngine, history: ChatMessage[], fresh: ChatMessage[], options: GenerateOptions): Promise<Generation> {
  const system = history.length && history[0].role === 'system' ? 1 : 0;
  for (let drop = 0; ; drop += 2) {
    const kept = keptHistory(history, system, drop);
    const generation = new Generation(engine, [...kept, ...fresh], options);
    try {
      await generation.started;
      return generation;
    } catch (err) {
      const tooLong = err instanceof ApiError && err.code === 'context_length_exceeded';
      if (!tooLong || system + drop >= history.length) throw toApiError(err);
    }
  }
}

/**
 * History after dropping `drop` messages past the leading system message. A tool result never opens what is kept:
 * its assistant call was dropped, and a template can't render an answer to no call, so it goes too.
 */
export function keptHistory(history: ChatMessage[], system: number, drop: number): ChatMessage[] {
  let start = system + drop;
  while (start < history.length && history[start].role === 'tool') start++;
  return [...history.slice(0, system), ...history.slice(start)];
}
