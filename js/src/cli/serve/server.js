// The HTTP server: admission (guard.js), routes, the queue, and the limits a server open to
// untrusted clients needs: header and body time limits, a connection cap, a bounded queue
// (429 with Retry-After), and a prompt cache per connection (a generation reuses only its own
// connection's cached prefix, so `cached_tokens` and timing tell nothing about another
// client's prompt).
import { createServer } from 'node:http';
import { createGuard } from './guard.js';
import { readJsonBody } from './body.js';
import { HttpFailure, sendFailure, sendJson, toHttpFailure } from './http-errors.js';
import { chatCompletions, completions } from './routes.js';

export const SERVER_DEFAULTS = Object.freeze({
  maxBody: 1 << 20,
  maxQueue: 16,
  maxConnections: 64,
  headerTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  idleTimeoutMs: 5_000,
});

const ROUTES = { '/v1/chat/completions': chatCompletions, '/v1/completions': completions };

/**
 * @param {import('./engine-supervisor.js').EngineSupervisor} supervisor
 * @param {{modelId: string, allowOrigins?: string[], hostAliases?: string[], apiKey?: string|null}
 *   & Partial<typeof SERVER_DEFAULTS>} options
 */
export function createOpenAiServer(supervisor, options) {
  const given = Object.entries(options).filter(([, v]) => v !== undefined);
  const o = { ...SERVER_DEFAULTS, ...Object.fromEntries(given) };
  const created = Math.floor(Date.now() / 1000);
  let waiting = 0;
  let averageMs = 1000;   // of recent generations, for Retry-After
  const connectionIds = new WeakMap();
  let nextConnection = 1;

  const server = createServer({
    headersTimeout: o.headerTimeoutMs,
    requestTimeout: o.bodyTimeoutMs,
    keepAliveTimeout: o.idleTimeoutMs,
    // How often Node looks for requests over those limits (default 30 s).
    connectionsCheckingInterval: Math.floor(Math.max(100, Math.min(1000, o.headerTimeoutMs / 4))),
  });
  server.maxConnections = o.maxConnections;
  server.on('connection', (socket) => connectionIds.set(socket, `connection-${nextConnection++}`));

  const guard = createGuard({
    allowOrigins: o.allowOrigins, hostAliases: o.hostAliases, apiKey: o.apiKey,
    address: () => server.address(),
  });

  function retryAfterSeconds() {
    return String(Math.max(1, Math.ceil((waiting * averageMs) / 1000)));
  }

  async function handle(req, res, cors) {
    const url = new URL(req.url, 'http://server');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, guard.preflight(req, cors));
      res.end();
      return;
    }
    if (url.pathname === '/health') {
      const health = supervisor.health;
      sendJson(res, health.status === 'ok' ? 200 : 503, health, cors);
      return;
    }
    guard.checkApiKey(req);
    if (url.pathname === '/v1/models') {
      if (req.method !== 'GET') throw new HttpFailure(405, '/v1/models expects GET');
      sendJson(res, 200, { object: 'list', data: [{ id: o.modelId, object: 'model', created, owned_by: 'smollm-wasm' }] }, cors);
      return;
    }
    const route = ROUTES[url.pathname];
    if (!route) throw new HttpFailure(404, `no route ${req.method} ${url.pathname}`, { type: 'not_found_error' });
    if (req.method !== 'POST') throw new HttpFailure(405, `${url.pathname} expects POST`);
    guard.checkJson(req);
    const body = await readJsonBody(req, o.maxBody);
    if (waiting >= o.maxQueue) {
      throw new HttpFailure(429, `${waiting} requests are already waiting: retry later`,
        { type: 'rate_limit_error', code: 'queue_full', headers: { 'retry-after': retryAfterSeconds() } });
    }
    const llm = supervisor.current();
    // A client that goes away stops its generation (or takes it out of the queue).
    const controller = new AbortController();
    res.on('close', () => { if (!res.writableFinished) controller.abort(); });
    const ctx = {
      llm, res, cors, modelId: o.modelId, signal: controller.signal,
      cacheKey: connectionIds.get(req.socket),
      onFailure: (error) => supervisor.noteFailure(llm, error),
    };
    waiting += 1;
    const started = performance.now();
    try {
      await route(ctx, body);
      averageMs = 0.8 * averageMs + 0.2 * (performance.now() - started);
    } catch (error) {
      ctx.onFailure(error);
      throw error;
    } finally {
      waiting -= 1;
    }
  }

  server.on('request', (req, res) => {
    let cors = {};
    const admitted = (async () => {
      guard.checkHost(req);
      cors = guard.checkOrigin(req);
      await handle(req, res, cors);
    })();
    admitted.catch((error) => {
      if (error?.name === 'AbortError') {
        res.destroy();
        return;
      }
      const failure = toHttpFailure(error, req.url.includes('chat') ? 'messages' : 'prompt');
      failure.headers = { ...cors, ...failure.headers };
      sendFailure(res, failure);
    });
  });
  return server;
}
