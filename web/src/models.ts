// /v1/models routes: the catalog with cached/compatible flags, loading with SSE progress, deleting weights.
import type { RuntimeContext } from './handler';
import { badRequest, modelNotFound, toApiError } from './errors';
import { json } from './http';
import { sseData, sseDone, SSE_HEADERS } from './sse';
import { parseJsonBody } from './wire';

export async function listModels(ctx: RuntimeContext): Promise<Response> {
  const statuses = await ctx.host.statuses();
  return json({
    object: 'list',
    data: statuses.map(({ entry, cached, fit, loaded }) => ({
      id: entry.id, object: 'model', created: 0, owned_by: entry.ownedBy ?? 'hearth',
      context_window: entry.contextWindow, cached, compatible: fit.compatible,
      ...(fit.reason ? { incompatible_reason: fit.reason } : {}),
      loaded, engine: entry.engine, size_bytes: entry.sizeBytes ?? null, vram_required_mb: entry.vramRequiredMB ?? null,
    })),
  });
}

/** POST /v1/models/load {model}: SSE `model.load.progress` events, then `model.load.done` (or an error), then [DONE]. */
export async function loadModel(ctx: RuntimeContext, req: Request): Promise<Response> {
  const body = parseJsonBody(await req.text());
  if (typeof body.model !== 'string') throw badRequest("'model' is required.", 'model');
  const entry = ctx.host.find(body.model);
  if (!entry) throw modelNotFound(body.model);
  const stream = new ReadableStream<Uint8Array>({
    start: (controller) => {
      (async () => {
        let lastSent = -1;
        try {
          const engine = await ctx.host.load(entry, (p) => {
            const percent = Math.floor(p.fraction * 100);
            if (percent === lastSent && p.fraction < 1) return;
            lastSent = percent;
            controller.enqueue(sseData({
              object: 'model.load.progress', model: entry.id, loaded: p.loaded, total: p.total,
              progress: p.fraction, eta_seconds: p.etaSeconds, status: p.text,
            }));
          });
          controller.enqueue(sseData({
            object: 'model.load.done', model: entry.id, engine: engine.kind, context_window: engine.contextWindow,
          }));
        } catch (err) {
          controller.enqueue(sseData(toApiError(err).toJSON()));
        }
        controller.enqueue(sseDone());
        controller.close();
      })();
    },
  });
  return new Response(stream, { headers: SSE_HEADERS });
}

export async function deleteModel(ctx: RuntimeContext, id: string): Promise<Response> {
  const entry = ctx.host.find(id);
  if (!entry) throw modelNotFound(id);
  const deleted = await ctx.host.remove(entry);
  return json({ id, object: 'model', deleted });
}
