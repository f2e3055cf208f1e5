// The one static file server of the tests and benchmarks: sirv (files, Content-Type,
// Content-Length, HEAD, Range, ETag) behind a table of routes, with the headers the pages need
// set through sirv's setHeaders: COOP/COEP/CORP for cross-origin isolation (the multi-thread
// build needs SharedArrayBuffer), Cache-Control: no-store unless a route says otherwise (a
// model must come over the network or from the package's own cache, never the HTTP cache),
// and a route's own headers (a Content-Security-Policy, say). Nothing is compressed.
//
// Servers that misbehave on purpose (tests/js/network/fault-server.mjs, the fault files of
// tests/js/package/support/http-server.mjs) are not static servers and stay hand-written; the
// browser suites hand this module's listener to FaultServer for the page and the package.
//
// Bench imports this too (bench/e2e): tests/ already serves bench/ its browser launchers, so
// the arrow bench -> tests exists and no arrow points back.
//
// sirv's Range parsing covers what browsers and the package send (`bytes=N-`, `bytes=N-M`
// with M > 0); suffix ranges and `bytes=0-0` get the whole file back as a 206, with a
// Content-Range that still names the size. Tests of exact Range behaviour use the fault
// servers.
import http from 'node:http';
import path from 'node:path';
import sirv from 'sirv';

/**
 * @typedef {{path: string, headers?: Record<string, string>}} FileRoute
 *   a directory (the route's key ends in '/') or one file (the key is an exact path)
 * @typedef {{body: string | Uint8Array, type: string, headers?: Record<string, string>}} BodyRoute
 *   a response held in memory (a test page, reference bytes)
 * @typedef {string | FileRoute | BodyRoute} Route  a string is a FileRoute's path
 * @typedef {(req: http.IncomingMessage, res: http.ServerResponse, next?: () => void) => void} Listener
 */

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * A request listener (also usable as connect middleware: a miss calls `next` when given,
 * else answers 404) that serves `routes`: url path or '/prefix/' -> Route. Exact paths win,
 * then the longest prefix.
 * @param {Record<string, Route>} routes
 * @param {object} [options]
 * @param {boolean} [options.isolated] send COOP/COEP/CORP (default true)
 * @param {string[]} [options.misses] collects the paths answered 404
 * @returns {Listener}
 */
export function staticRoutes(routes, { isolated = true, misses } = {}) {
  const base = { 'cache-control': 'no-store', ...(isolated ? ISOLATION : {}) };
  /** @type {Map<string, Listener>} */
  const exact = new Map();
  /** @type {{prefix: string, serve: Listener}[]} */
  const prefixes = [];
  for (const [key, value] of Object.entries(routes)) {
    const route = typeof value === 'string' ? { path: value } : value;
    const headers = { ...base, ...route.headers };
    if ('body' in route) {
      exact.set(key, bodyResponder(route, headers));
    } else if (key.endsWith('/')) {
      prefixes.push({ prefix: key, serve: sirvFor(route.path, headers) });
    } else {
      // One file: sirv over its folder, asked for that one name only.
      const serve = sirvFor(path.dirname(route.path), headers);
      const name = `/${path.basename(route.path)}`;
      exact.set(key, (req, res, next) => serve(Object.assign(req, { url: name }), res, next));
    }
  }
  prefixes.sort((a, b) => b.prefix.length - a.prefix.length);

  return (req, res, next) => {
    const url = req.url ?? '/';
    const pathname = url.split('?')[0];
    const original = url;
    const miss = () => {
      req.url = original;
      if (next) return next();
      misses?.push(pathname);
      res.writeHead(404, { ...base, 'content-type': 'text/plain; charset=utf-8' });
      res.end(`not found: ${pathname}\n`);
    };
    const one = exact.get(pathname);
    if (one) return one(req, res, miss);
    const mount = prefixes.find((m) => pathname.startsWith(m.prefix));
    if (!mount) return miss();
    req.url = url.slice(mount.prefix.length - 1);
    mount.serve(req, res, miss);
  };
}

/**
 * A 127.0.0.1 server on a free port for `listener`; close() also ends kept-alive connections,
 * so a closed server is unreachable at once.
 * @param {Listener} listener
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
export async function listen(listener) {
  const server = http.createServer((req, res) => listener(req, res));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * staticRoutes on a 127.0.0.1 server; `misses` lists the paths it answered 404.
 * @param {Record<string, Route>} routes
 * @param {{isolated?: boolean}} [options]
 */
export async function startStaticServer(routes, options = {}) {
  /** @type {string[]} */
  const misses = [];
  const server = await listen(staticRoutes(routes, { ...options, misses }));
  return { ...server, misses };
}

/**
 * sirv reading the folder on each request (dev mode: files written during a run are served),
 * with `headers` on every file it answers.
 * @param {string} dir
 * @param {Record<string, string>} headers
 */
function sirvFor(dir, headers) {
  return sirv(dir, {
    dev: true,
    etag: true,
    setHeaders: (res) => {
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    },
  });
}

/**
 * @param {BodyRoute} route
 * @param {Record<string, string>} headers
 * @returns {Listener}
 */
function bodyResponder(route, headers) {
  const body = typeof route.body === 'string' ? Buffer.from(route.body) : route.body;
  return (req, res) => {
    res.writeHead(200, { ...headers, 'content-type': route.type, 'content-length': String(body.length) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
