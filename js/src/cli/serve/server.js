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

/**
 * @import { IncomingMessage, ServerResponse, OutgoingHttpHeaders } from 'node:http'
 * @import { SmolLM } from '../../smollm.js'
 * @import { EngineSupervisor } from './engine-supervisor.js'
 */

/**
 * What a route gets besides the request body.
 * @typedef {object} RouteContext
 * @property {SmolLM} llm the live model
 * @property {ServerResponse} res
 * @property {OutgoingHttpHeaders} cors headers every answer carries
 * @property {string} modelId
 * @property {AbortSignal} signal aborted when the client goes away
 * @property {string | undefined} cacheKey the connection's prompt-cache partition
 * @property {(error: unknown) => void} onFailure reports an error the model gave (a dead
 *   engine is restarted)
 */

/** @typedef {(ctx: RouteContext, body: unknown) => Promise<void>} Route */

/**
 * @typedef {object} ServerOptions
 * @property {string} modelId
 * @property {string[]} [allowOrigins]
 * @property {string[]} [hostAliases]
 * @property {string | null} [apiKey]
 */

export const SERVER_DEFAULTS = Object.freeze({
  maxBody: 1 << 20,
  maxQueue: 16,
  maxConnections: 64,
  headerTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  idleTimeoutMs: 5_000,
});

/** @type {Map<string, Route>} */
const ROUTES = new Map([['/v1/chat/completions', chatCompletions], ['/v1/completions', completions]]);

/**
 * @template {object} T
 * @param {T} fields
 * @returns {T} the same less those set to undefined, which would hide a default when spread
 */
function definedFields(fields) {
  return /** @type {T} */ (Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
}

/**
 * @param {EngineSupervisor} supervisor
 * @param {ServerOptions & {[K in keyof typeof SERVER_DEFAULTS]?: number}} options
 */
export function createOpenAiServer(supervisor, options) {
  const o = { ...SERVER_DEFAULTS, ...definedFields(options) };
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
    address: () => {
      const bound = server.address();
      if (!bound || typeof bound === 'string') throw new Error('the server is not listening on a TCP port');
      return bound;
    },
  });

  function retryAfterSeconds() {
    return String(Math.max(1, Math.ceil((waiting * averageMs) / 1000)));
  }

  /**
   * @param {IncomingMessage} req
   * @param {ServerResponse} res
   * @param {OutgoingHttpHeaders} cors
   */
  async function handle(req, res, cors) {
    const url = new URL(req.url ?? '/', 'http://server');
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
    const route = ROUTES.get(url.pathname);
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
    /** @type {RouteContext} */
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
    /** @type {OutgoingHttpHeaders} */
    let cors = {};
    const admitted = (async () => {
      guard.checkHost(req);
      cors = guard.checkOrigin(req);
      await handle(req, res, cors);
    })();
    admitted.catch((error) => {
      if (error instanceof Error && error.name === 'AbortError') {
        res.destroy();
        return;
      }
      const failure = toHttpFailure(error, req.url?.includes('chat') ? 'messages' : 'prompt');
      failure.headers = { ...cors, ...failure.headers };
      sendFailure(res, failure);
    });
  });
  return server;
}
