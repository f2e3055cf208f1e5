#!/usr/bin/env node
// Serves the built demo (demo/build.mjs; built first when missing or older than its sources)
// on 127.0.0.1 with the headers that make the page cross-origin isolated (COOP/COEP), so the
// multi-threaded wasm build can use SharedArrayBuffer. Files are served by sirv; this file
// only picks the headers and lists the local models.
//
//   node demo/serve.mjs [--port 8080] [--models-dir DIR] [--no-isolation] [--dist DIR]
//
//   /                   the built folder (what a static host would serve)
//   /models/NAME        a .gguf file of --models-dir, or the tiny-py test model from ../shared
//   /models/index.json  the local models, listed for the page's model picker
//
// --no-isolation leaves COOP/COEP out, as a plain static host would; the demo's service
// worker then adds them itself (used by the browser tests). Every response carries the demo's
// Content-Security-Policy (demo/csp.js: the page policy for documents, the script policy, with
// 'wasm-unsafe-eval', for scripts, which is what a worker runs under). Files are served only
// when their real path (symlinks resolved) lies inside the built folder.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { DEFAULT_OUT, ensureBuilt } from './build.mjs';

const demoDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(demoDir, '..');
const tinyPyPath = path.resolve(repoRoot, '..', 'shared', 'golden', 'models', 'tiny-py-Q4_K_M.gguf');
const tinyPyLabel = 'tiny-py (test model, writes Python)';

function parseArgs(argv) {
  const opts = { port: 8080, modelsDir: path.join(repoRoot, 'models'), isolation: true, dist: DEFAULT_OUT };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--port') {
      const port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535`);
      opts.port = port;
    } else if (arg === '--models-dir') {
      opts.modelsDir = path.resolve(value());
    } else if (arg === '--dist') {
      opts.dist = path.resolve(value());
    } else if (arg === '--no-isolation') {
      opts.isolation = false;
    } else if (arg === '--help' || arg === '-h') {
      opts.help = true;
    } else {
      throw new Error(`unknown argument ${arg} (try --help)`);
    }
  }
  return opts;
}

// Local models: every .gguf directly inside the models dir, plus the tiny-py test model.
function listLocalModels(modelsDir) {
  const models = new Map();
  if (fs.existsSync(tinyPyPath)) {
    models.set('tiny-py-Q4_K_M.gguf', { file: tinyPyPath, label: tinyPyLabel });
  }
  let entries = [];
  try {
    entries = fs.readdirSync(modelsDir, { withFileTypes: true });
  } catch {
    // A missing models dir just means no extra local models.
  }
  for (const entry of entries) {
    if (entry.isFile() && entry.name.endsWith('.gguf')) {
      models.set(entry.name, { file: path.join(modelsDir, entry.name), label: entry.name });
    }
  }
  return models;
}

function loadCsp(dist) {
  const sandbox = { globalThis: {} };
  vm.runInNewContext(fs.readFileSync(path.join(dist, 'csp.js'), 'utf8'), sandbox);
  return sandbox.globalThis.SMOLLM_DEMO_CSP;
}

function setCommonHeaders(res, { isolation, csp }, pathname) {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', /\.m?js$/.test(pathname) ? csp.worker : `${csp.page}; ${csp.headerOnly}`);
  if (isolation) {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  }
}

// Hashed names under assets/ never change contents; everything else is checked each time
// (the service worker keeps the offline copies).
function cacheControl(pathname) {
  return pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

function insideRealDir(file, realDir) {
  try {
    const real = fs.realpathSync(file);
    return real === realDir || real.startsWith(realDir + path.sep);
  } catch {
    return true; // a missing file is sirv's 404
  }
}

function sendText(res, status, text) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(`${status} ${text}\n`);
}

// One .gguf, through a sirv of its folder (Range requests, ETag), under its own name only.
function serveModel(req, res, model, opts) {
  const name = path.basename(model.file);
  req.url = `/${encodeURIComponent(name)}`;
  const files = sirv(path.dirname(model.file), {
    dev: true, // models come and go while the server runs
    etag: true,
    setHeaders: (r) => {
      setCommonHeaders(r, opts, '');
      r.setHeader('Cache-Control', 'no-cache');
    },
  });
  files(req, res, () => sendText(res, 404, 'Not Found'));
}

function handler(opts) {
  const realDist = fs.realpathSync(opts.dist);
  const files = sirv(opts.dist, {
    etag: true,
    dotfiles: false,
    setHeaders: (res, pathname) => res.setHeader('Cache-Control', cacheControl(pathname)),
  });
  return (req, res) => {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      sendText(res, 400, 'Bad Request');
      return;
    }
    setCommonHeaders(res, opts, pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendText(res, 405, 'Method Not Allowed');
      return;
    }
    if (pathname.includes('\0')) {
      sendText(res, 400, 'Bad Request');
      return;
    }
    if (pathname === '/models/index.json') {
      const list = [...listLocalModels(opts.modelsDir)].map(([name, m]) => ({
        name,
        label: m.label,
        url: `/models/${encodeURIComponent(name)}`,
        bytes: fs.statSync(m.file).size,
      }));
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Cache-Control', 'no-cache');
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ models: list }, null, 2));
      return;
    }
    if (pathname.startsWith('/models/')) {
      const model = listLocalModels(opts.modelsDir).get(pathname.slice('/models/'.length));
      if (model) serveModel(req, res, model, opts);
      else sendText(res, 404, `Not Found: ${pathname}`);
      return;
    }
    if (!insideRealDir(path.join(opts.dist, pathname), realDist)) {
      sendText(res, 404, `Not Found: ${pathname}`);
      return;
    }
    files(req, res, () => sendText(res, 404, `Not Found: ${pathname}`));
  };
}

// Builds the demo first when it is missing or older than its sources.
export async function startServer({ port = 0, modelsDir = path.join(repoRoot, 'models'), isolation = true, dist = DEFAULT_OUT } = {}) {
  await ensureBuilt(dist);
  const opts = { modelsDir, isolation, dist, csp: loadCsp(dist) };
  const server = http.createServer(handler(opts));
  // Keep-alive sockets would keep a "stopped" server reachable in tests; close them too.
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address();
      resolve({
        url: `http://127.0.0.1:${actual}/`,
        port: actual,
        dist,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`serve.mjs: ${err.message}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log('usage: node demo/serve.mjs [--port 8080] [--models-dir DIR] [--no-isolation] [--dist DIR]');
    return;
  }
  let server;
  try {
    server = await startServer(opts);
  } catch (err) {
    console.error(`serve.mjs: ${err.code === 'EADDRINUSE' ? `cannot listen on 127.0.0.1:${opts.port}: ` : ''}${err.message}`);
    process.exit(1);
  }
  const models = [...listLocalModels(opts.modelsDir).keys()];
  console.log(`local models: ${models.length ? models.join(', ') : 'none'} (from ${opts.modelsDir})`);
  if (!opts.isolation) console.log('COOP/COEP headers off: the service worker adds them.');
  console.log(`smollm-wasm demo (${path.relative(process.cwd(), opts.dist) || '.'}): ${server.url}`);
  const stop = () => server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}
