// A tiny static server for the browser tests: web/dist at /, the test models under /models/, the openai npm
// client under /node_modules/openai/, and /config.json pointing the app at those models. 127.0.0.1 only.
import { createServer, type Server } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';

const WEB = resolve(__dirname, '..');
const REPO = resolve(WEB, '..');

export function modelsDir(): string {
  const dir = process.env.HEARTH_TEST_MODELS ?? join(REPO, '..', 'shared', 'models');
  if (!existsSync(join(dir, 'stories260K.gguf'))) throw new Error(`stories260K.gguf not found in ${dir} (set HEARTH_TEST_MODELS)`);
  return dir;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.wasm': 'application/wasm', '.gguf': 'application/octet-stream',
};

export interface TestServer { url: string; port: number; requests: string[]; close(): Promise<void> }

export interface ServeOptions {
  port?: number;
  /** Send COOP/COEP so the page is cross-origin isolated (multi-threaded wllama). */
  isolated?: boolean;
  /** Extra /config.json fields (given the server's base URL). */
  config?: (base: string) => Record<string, unknown>;
}

export const TEST_MODEL = 'stories260K';

export function testConfig(base: string, extra: Record<string, unknown> = {}) {
  return {
    modelBaseUrl: `${base}/models/`,
    models: [{ id: TEST_MODEL, engine: 'wllama', file: 'stories260K.gguf', contextWindow: 512, sizeBytes: 1185376, chatTemplate: false, ownedBy: 'karpathy' }],
    ...extra,
  };
}

export function serve(options: ServeOptions = {}): Promise<TestServer> {
  const roots: [string, string][] = [
    ['/models/', modelsDir()],
    ['/node_modules/openai/', join(WEB, 'node_modules', 'openai')],
    ['/', join(WEB, 'dist')],
  ];
  const requests: string[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(`${req.method} ${path}`);
    const headers: Record<string, string> = { 'cache-control': 'no-cache' };
    if (options.isolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
      headers['cross-origin-resource-policy'] = 'same-origin';
    }
    if (path === '/config.json') {
      res.writeHead(200, { ...headers, 'content-type': 'application/json' });
      return res.end(JSON.stringify(testConfig(base, options.config?.(base))));
    }
    for (const [prefix, dir] of roots) {
      if (!path.startsWith(prefix)) continue;
      let file = normalize(join(dir, path.slice(prefix.length)));
      if (!file.startsWith(dir)) break;
      if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
      if (!existsSync(file)) break;
      res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': String(statSync(file).size) });
      return createReadStream(file).pipe(res);
    }
    res.writeHead(404, { ...headers, 'content-type': 'text/plain' });
    res.end('not found');
  });
  return new Promise((ok) => server.listen(options.port ?? 0, '127.0.0.1', () => {
    const port = (server.address() as { port: number }).port;
    base = `http://127.0.0.1:${port}`;
    ok({
      url: base, port, requests,
      close: () => new Promise<void>((done) => { server.closeAllConnections(); server.close(() => done()); }),
    });
  }));
}
