// /v1/conversations routes: conversation memory as JSON, over the IndexedDB store.
import type { ConversationRecord, HearthDb, MessageRecord } from './db';
import { conversationNotFound, badRequest } from './errors';
import { json, unixSeconds } from './http';
import { parseJsonBody } from './wire';

export const TITLE_LENGTH = 60;

export const conversationJson = (c: ConversationRecord) => ({
  id: c.id, object: 'conversation', title: c.title, model: c.model,
  created_at: unixSeconds(c.createdAt), updated_at: unixSeconds(c.updatedAt), metadata: c.metadata,
});

export function messageJson(m: MessageRecord) {
  const out: Record<string, unknown> = {
    id: m.id, object: 'conversation.message', role: m.role, content: m.content, created_at: unixSeconds(m.createdAt),
  };
  if (m.name !== undefined) out.name = m.name;
  if (m.toolCalls !== undefined) out.tool_calls = m.toolCalls;
  if (m.toolCallId !== undefined) out.tool_call_id = m.toolCallId;
  if (m.model !== undefined) out.model = m.model;
  if (m.provider !== undefined) out.provider = m.provider;
  if (m.finishReason !== undefined) out.finish_reason = m.finishReason;
  if (m.promptTokens !== undefined || m.completionTokens !== undefined) {
    const p = m.promptTokens ?? 0, c = m.completionTokens ?? 0;
    out.usage = { prompt_tokens: p, completion_tokens: c, total_tokens: p + c };
  }
  if (m.interrupted) out.interrupted = true;
  return out;
}

export const titleFrom = (text: string) => text.trim().slice(0, TITLE_LENGTH);

async function existing(db: HearthDb, id: string): Promise<ConversationRecord> {
  const c = await db.getConversation(id);
  if (!c) throw conversationNotFound(id);
  return c;
}

export async function createConversation(db: HearthDb, req: Request): Promise<Response> {
  const text = await req.text();
  const body = text.trim() === '' ? {} : parseJsonBody(text);
  if (body.title !== undefined && typeof body.title !== 'string') throw badRequest("'title' must be a string.", 'title');
  if (body.model !== undefined && body.model !== null && typeof body.model !== 'string') throw badRequest("'model' must be a string.", 'model');
  if (body.metadata !== undefined && (typeof body.metadata !== 'object' || body.metadata === null || Array.isArray(body.metadata))) {
    throw badRequest("'metadata' must be an object.", 'metadata');
  }
  const c = await db.createConversation({
    title: (body.title as string | undefined) ?? '', model: (body.model as string | undefined) ?? null,
    metadata: body.metadata as Record<string, unknown> | undefined,
  });
  return json(conversationJson(c));
}

export async function listConversations(db: HearthDb): Promise<Response> {
  const list = await db.listConversations();
  return json({ object: 'list', data: list.map(conversationJson), has_more: false });
}

export const getConversation = async (db: HearthDb, id: string) => json(conversationJson(await existing(db, id)));

export async function updateConversation(db: HearthDb, id: string, req: Request): Promise<Response> {
  const body = parseJsonBody(await req.text());
  await existing(db, id);
  const fields: Parameters<HearthDb['updateConversation']>[1] = {};
  if (typeof body.title === 'string') fields.title = body.title;
  if (typeof body.metadata === 'object' && body.metadata !== null) fields.metadata = body.metadata as Record<string, unknown>;
  return json(conversationJson((await db.updateConversation(id, fields))!));
}

export async function deleteConversation(db: HearthDb, id: string): Promise<Response> {
  if (!(await db.deleteConversation(id))) throw conversationNotFound(id);
  return json({ id, object: 'conversation.deleted', deleted: true });
}

export async function listMessages(db: HearthDb, id: string): Promise<Response> {
  await existing(db, id);
  const messages = await db.messages(id);
  return json({ object: 'list', data: messages.map(messageJson), has_more: false });
}
