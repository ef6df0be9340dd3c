// The fallback: a Hearth server (or any OpenAI-compatible server) answers what this browser cannot.
import { resolveUnder } from './config';
import { ApiError } from './errors';

const FORWARDED = ['content-type', 'authorization', 'x-conversation-id', 'accept'];

export async function forwardToServer(base: string, path: string, req: Request, body: string | null): Promise<Response> {
  const headers = new Headers();
  for (const name of FORWARDED) { const v = req.headers.get(name); if (v) headers.set(name, v); }
  let res: Response;
  try {
    res = await fetch(resolveUnder(base, path.replace(/^\//, '')), { method: req.method, headers, body: body ?? undefined });
  } catch (err) {
    throw new ApiError(502, `No local model can answer and the Hearth server at ${base} is unreachable: ${(err as Error).message}`,
      'server_error', null, 'upstream_unreachable');
  }
  const out = new Headers(res.headers);
  out.set('x-hearth-runtime', 'server');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers: out });
}
