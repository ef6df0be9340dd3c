// The /v1 routes, shared by the service worker and the web worker so the two cannot drift.
// A route is a method, a path pattern and a function; every error leaves through one place as OpenAI-style JSON.
import type { HearthDb } from './db';
import type { EngineHost } from './engineHost';
import { ApiError, toApiError } from './errors';
import { errorResponse, json } from './http';
import { chatCompletions } from './chat';
import { listModels, loadModel, deleteModel } from './models';
import * as conversations from './conversations';

export type RuntimeName = 'service-worker' | 'web-worker';

export interface RuntimeContext {
  db: HearthDb;
  host: EngineHost;
  runtime: RuntimeName;
  /** When this runtime instance started (a restarted service worker gets a new one). */
  startedAt: number;
}

type Route = [method: string, pattern: RegExp, run: (ctx: RuntimeContext, req: Request, params: string[]) => Promise<Response>];

const routes: Route[] = [
  ['POST', /^\/v1\/chat\/completions$/, (ctx, req) => chatCompletions(ctx, req)],
  ['GET', /^\/v1\/models$/, (ctx) => listModels(ctx)],
  ['POST', /^\/v1\/models\/load$/, (ctx, req) => loadModel(ctx, req)],
  ['DELETE', /^\/v1\/models\/([^/]+)$/, (ctx, _req, [id]) => deleteModel(ctx, id)],
  ['GET', /^\/v1\/conversations$/, (ctx) => conversations.listConversations(ctx.db)],
  ['POST', /^\/v1\/conversations$/, (ctx, req) => conversations.createConversation(ctx.db, req)],
  ['GET', /^\/v1\/conversations\/([^/]+)$/, (ctx, _req, [id]) => conversations.getConversation(ctx.db, id)],
  ['POST', /^\/v1\/conversations\/([^/]+)$/, (ctx, req, [id]) => conversations.updateConversation(ctx.db, id, req)],
  ['PATCH', /^\/v1\/conversations\/([^/]+)$/, (ctx, req, [id]) => conversations.updateConversation(ctx.db, id, req)],
  ['DELETE', /^\/v1\/conversations\/([^/]+)$/, (ctx, _req, [id]) => conversations.deleteConversation(ctx.db, id)],
  ['GET', /^\/v1\/conversations\/([^/]+)\/messages$/, (ctx, _req, [id]) => conversations.listMessages(ctx.db, id)],
  ['GET', /^\/v1\/runtime$/, (ctx) => runtimeInfo(ctx)],
];

/** Answers a request whose API path (from /v1 on) is apiPath. */
export async function handle(ctx: RuntimeContext, req: Request, apiPath: string): Promise<Response> {
  try {
    let pathMatched = false;
    for (const [method, pattern, run] of routes) {
      const m = pattern.exec(apiPath);
      if (!m) continue;
      pathMatched = true;
      if (method === req.method) return await run(ctx, req, m.slice(1).map(decodeURIComponent));
    }
    if (pathMatched) throw new ApiError(405, `${req.method} is not allowed on ${apiPath}.`, 'invalid_request_error', null, 'method_not_allowed');
    throw new ApiError(404, `No route ${req.method} ${apiPath}.`, 'invalid_request_error', null, 'not_found');
  } catch (err) {
    return errorResponse(toApiError(err));
  }
}

/** GET /v1/runtime (Hearth's own): which runtime answered, the loaded model, and what the device can do. */
async function runtimeInfo(ctx: RuntimeContext): Promise<Response> {
  const engine = ctx.host.loaded;
  return json({
    object: 'hearth.runtime', runtime: ctx.runtime, started_at: ctx.startedAt,
    loaded_model: engine ? { id: engine.modelId, engine: engine.kind, context_window: engine.contextWindow, threads: engine.threads ?? null } : null,
    device: await ctx.host.caps(),
  });
}

/** The API path of a URL if this runtime answers it: same-origin /v1/..., or api.openai.com when opted in. */
export function apiPathOf(url: URL, scopePath: string, interceptOpenAI: boolean): string | null {
  if (url.origin === self.location.origin) {
    const base = scopePath.endsWith('/') ? scopePath : scopePath + '/';
    for (const prefix of [base, '/']) {
      if (url.pathname.startsWith(prefix + 'v1/')) return url.pathname.slice(prefix.length - 1);
    }
    return null;
  }
  if (interceptOpenAI && url.origin === 'https://api.openai.com' && url.pathname === '/v1/chat/completions') return url.pathname;
  return null;
}
