#!/usr/bin/env node
// Serves the demo chat app on 127.0.0.1 with the headers that make the page cross-origin
// isolated (COOP/COEP), so the multi-threaded wasm build can use SharedArrayBuffer.
//
//   node demo/serve.mjs [--port 8080] [--models-dir DIR] [--no-isolation]
//
// URL layout (the same layout a static host gets when demo/ is the site root and the
// package's js/ folder is copied beside index.html as js/):
//   /                 demo/            (page, service worker, manifest, icons)
//   /js/              js/              (the smollm-wasm package: src/ and wasm/)
//   /vendor/jinja/    node_modules/@huggingface/jinja/dist/  (the package's one dependency)
//   /models/NAME      a .gguf file of --models-dir, or the tiny-py test model from ../shared
//   /models/index.json  the local models, listed for the page's model picker
//
// --no-isolation leaves COOP/COEP out, as a plain static host would; the demo's service
// worker then adds them itself (used by the browser tests).
//
// Every response carries the demo's Content-Security-Policy (demo/csp.js: the page policy
// for documents, the script policy, with 'wasm-unsafe-eval', for scripts, which is what a
// worker runs under). sw.js is served with its RELEASE stamped from the files it caches, so
// any change to them is a new release of the offline shell. Files are served only when their
// real path (symlinks resolved) lies inside their mount.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tinyPyPath = path.resolve(repoRoot, '..', 'shared', 'golden', 'models', 'tiny-py-Q4_K_M.gguf');
const tinyPyLabel = 'tiny-py (test model, writes Python)';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.gguf': 'application/octet-stream',
};

function parseArgs(argv) {
  const opts = { port: 8080, modelsDir: path.join(repoRoot, 'models'), isolation: true };
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

const MOUNTS = [
  ['/js/', path.join(repoRoot, 'js')],
  ['/vendor/jinja/', path.join(repoRoot, 'node_modules', '@huggingface', 'jinja', 'dist')],
  ['/', path.join(repoRoot, 'demo')],
];

const CSP = (() => {
  const sandbox = { globalThis: {} };
  vm.runInNewContext(fs.readFileSync(path.join(repoRoot, 'demo', 'csp.js'), 'utf8'), sandbox);
  return sandbox.globalThis.SMOLLM_DEMO_CSP;
})();

function cspFor(file) {
  return /\.m?js$/.test(file ?? '') ? CSP.worker : `${CSP.page}; ${CSP.headerOnly}`;
}

// A mount's own directory may itself be a link (node_modules in a worktree): what counts is
// that the file's real path stays inside the mount's real path.
function insideRealMount(file, dir) {
  let real;
  let realDir;
  try {
    real = fs.realpathSync(file);
    realDir = fs.realpathSync(dir);
  } catch {
    return true;   // a missing file is answered 404 by the caller
  }
  return real === realDir || real.startsWith(realDir + path.sep);
}

// The release of the offline shell: a digest of the names, sizes and times of every file the
// service worker may cache (models aside).
function shellRelease() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    let entries = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'models') walk(full);
      else if (entry.isFile()) {
        const stat = fs.statSync(full);
        hash.update(`${full}\0${stat.size}\0${stat.mtimeMs}\n`);
      }
    }
  };
  for (const [, dir] of MOUNTS) walk(dir === path.join(repoRoot, 'js') ? path.join(dir, 'src') : dir);
  walk(path.join(repoRoot, 'js', 'wasm'));
  return hash.digest('hex').slice(0, 16);
}

// Maps a URL path to a file, refusing anything that escapes its mount.
function resolveFile(urlPath, modelsDir) {
  const mounts = MOUNTS;
  if (urlPath.startsWith('/models/')) {
    const name = urlPath.slice('/models/'.length);
    const model = listLocalModels(modelsDir).get(name);
    return model ? model.file : null;
  }
  for (const [prefix, dir] of mounts) {
    if (!urlPath.startsWith(prefix)) continue;
    let rel = urlPath.slice(prefix.length);
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(dir, rel);
    if (file !== dir && !file.startsWith(dir + path.sep)) return null;
    if (!insideRealMount(file, dir)) return null;
    return file;
  }
  return null;
}

function baseHeaders(isolation) {
  const headers = {
    'X-Content-Type-Options': 'nosniff',
    // Code changes during development must reach the browser; the service worker keeps
    // the offline copies.
    'Cache-Control': 'no-cache',
  };
  if (isolation) {
    headers['Cross-Origin-Opener-Policy'] = 'same-origin';
    headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    headers['Cross-Origin-Resource-Policy'] = 'same-origin';
  }
  return headers;
}

function sendError(res, status, message, headers) {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${status} ${message}\n`);
}

// Parses a single "bytes=a-b" range; returns null for none, 'invalid' when unsatisfiable.
function parseRange(header, size) {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start;
  let end;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}

function handle(req, res, opts) {
  const headers = { ...baseHeaders(opts.isolation), 'Content-Security-Policy': cspFor(null) };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendError(res, 405, 'Method Not Allowed', { ...headers, Allow: 'GET, HEAD' });
    return;
  }
  let urlPath;
  try {
    urlPath = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
  } catch {
    sendError(res, 400, 'Bad Request', headers);
    return;
  }
  if (urlPath.includes('\0')) {
    sendError(res, 400, 'Bad Request', headers);
    return;
  }

  if (urlPath === '/models/index.json') {
    const list = [...listLocalModels(opts.modelsDir)].map(([name, m]) => ({
      name,
      label: m.label,
      url: `/models/${encodeURIComponent(name)}`,
      bytes: fs.statSync(m.file).size,
    }));
    const body = Buffer.from(JSON.stringify({ models: list }, null, 2));
    res.writeHead(200, { ...headers, 'Content-Type': MIME['.json'], 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }

  const file = resolveFile(urlPath, opts.modelsDir);
  let stat;
  try {
    stat = file && fs.statSync(file);
  } catch {
    stat = null;
  }
  if (!stat || !stat.isFile()) {
    sendError(res, 404, `Not Found: ${urlPath}`, headers);
    return;
  }

  if (file === path.join(repoRoot, 'demo', 'sw.js')) {
    sendServiceWorker(req, res, headers, file);
    return;
  }
  const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  Object.assign(headers, {
    'Content-Security-Policy': cspFor(file),
    'Content-Type': type,
    ETag: etag,
    'Last-Modified': stat.mtime.toUTCString(),
    'Accept-Ranges': 'bytes',
  });
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }

  let range = parseRange(req.headers.range, stat.size);
  // A Range with a stale If-Range must get the whole (changed) file, not a spliced one.
  if (range && req.headers['if-range'] && req.headers['if-range'] !== etag) range = null;
  if (range === 'invalid') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${stat.size}` });
    res.end();
    return;
  }
  const start = range ? range.start : 0;
  const end = range ? range.end : stat.size - 1;
  const length = stat.size === 0 ? 0 : end - start + 1;
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${stat.size}`;
  headers['Content-Length'] = length;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  const stream = fs.createReadStream(file, { start, end });
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

function sendServiceWorker(req, res, headers, file) {
  const source = fs.readFileSync(file, 'utf8').replace(/^const RELEASE = '[^']*';$/m, `const RELEASE = '${shellRelease()}';`);
  const body = Buffer.from(source);
  res.writeHead(200, { ...headers, 'Content-Type': MIME['.js'], 'Content-Length': body.length, 'Content-Security-Policy': cspFor(file) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function startServer({ port = 0, modelsDir = path.join(repoRoot, 'models'), isolation = true } = {}) {
  const opts = { port, modelsDir, isolation };
  const server = http.createServer((req, res) => handle(req, res, opts));
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
    console.log('usage: node demo/serve.mjs [--port 8080] [--models-dir DIR] [--no-isolation]');
    return;
  }
  if (!fs.existsSync(path.join(repoRoot, 'js', 'wasm'))) {
    console.warn('warning: js/wasm/ is missing: build the wasm modules first (see README.md).');
  }
  let server;
  try {
    server = await startServer(opts);
  } catch (err) {
    console.error(`serve.mjs: cannot listen on 127.0.0.1:${opts.port}: ${err.message}`);
    process.exit(1);
  }
  const models = [...listLocalModels(opts.modelsDir).keys()];
  console.log(`local models: ${models.length ? models.join(', ') : 'none'} (from ${opts.modelsDir})`);
  if (!opts.isolation) console.log('COOP/COEP headers off: the service worker adds them.');
  console.log(`smollm-wasm demo: ${server.url}`);
  const stop = () => server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}
