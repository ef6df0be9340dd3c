// Server-sent events framing, the one format every streaming route uses.

const encoder = new TextEncoder();

export const sseData = (payload: unknown): Uint8Array =>
  encoder.encode(`data: ${JSON.stringify(payload)}\n\n`);

/** A fresh array each time: a worker transfers (detaches) the chunks it sends. */
export const sseDone = (): Uint8Array => encoder.encode('data: [DONE]\n\n');

export const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

/** Splits an SSE body into its `data:` payloads (the test runners and the UI read streams with this). */
export function parseSse(text: string): string[] {
  return text.split('\n\n').filter((e) => e.trim() !== '').map((event) =>
    event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n'));
}

/** Reads an SSE response body incrementally, yielding each event's data payload. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = parseSse(event + '\n\n')[0];
      if (data !== undefined) yield data;
    }
  }
}
