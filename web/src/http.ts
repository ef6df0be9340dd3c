// Small helpers every route uses to answer.
import { ApiError } from './errors';

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

export const errorResponse = (err: ApiError): Response => json(err.toJSON(), err.status);

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An OpenAI-style id: prefix plus 24 random letters and digits. */
export function randomId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return prefix + Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

export const unixSeconds = (iso: string | number = Date.now()) => Math.floor(new Date(iso).getTime() / 1000);
