// Shared pieces of the demo's browser tests: paths, skip reasons, the server, artifacts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../../demo/serve.mjs';
import { withTimeout } from '../browsers.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const TINY_PY = path.resolve(REPO_ROOT, '..', 'shared', 'golden', 'models', 'tiny-py-Q4_K_M.gguf');
export const ARTIFACTS = path.join(REPO_ROOT, 'tests', 'artifacts', 'demo');
// The tiny-py radio button's id, as the model picker derives it from "local:<file name>".
export const TINY_PY_RADIO = '#model-local_tiny-py-Q4_K_M_gguf';

// DEMO_BUILD=single-thread (or multi-thread) makes the chat test force that build through
// the page's ?build= parameter; by default the package chooses (multi-thread when isolated).
export const FORCED_BUILD = ['single-thread', 'multi-thread'].includes(process.env.DEMO_BUILD) ? process.env.DEMO_BUILD : null;

export const PAGE_QUERY = FORCED_BUILD ? `?build=${FORCED_BUILD}` : '';

export function missingPackage() {
  const wasmDir = path.join(REPO_ROOT, 'js', 'wasm');
  if (!fs.existsSync(path.join(REPO_ROOT, 'js', 'src', 'index.js'))) return 'js/src/index.js is missing (the smollm-wasm package is not there)';
  const needed = FORCED_BUILD === 'single-thread' ? ['smollm-st'] : FORCED_BUILD ? ['smollm-mt'] : ['smollm-mt', 'smollm-st'];
  for (const build of needed) {
    if (!fs.existsSync(path.join(wasmDir, `${build}.wasm`))) {
      return `js/wasm/${build}.wasm is missing: build the wasm modules first (see README.md)`;
    }
  }
  return null;
}

export function missingShared() {
  return fs.existsSync(TINY_PY) ? null : `${TINY_PY} is missing (../shared reference data not available)`;
}

// The built demo (demo/dist, rebuilt first when older than its sources), as a static host
// with demo/serve.mjs's headers serves it.
export async function serve(options = {}) {
  return startServer({ port: 0, modelsDir: path.join(REPO_ROOT, 'tests', 'artifacts', 'no-models'), ...options });
}

export function artifact(engine, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, `${engine}-${name}.png`);
}

// Fails with the browser's console output attached, which is what explains most failures, and
// (where the page still answers) what its progress line said and a screenshot of it: WebKit
// gives no console output, so a stuck load is otherwise a bare timeout.
export async function step(browser, what, fn) {
  try {
    return await fn();
  } catch (error) {
    const log = browser.log.length ? `\n--- ${browser.engine} console ---\n${browser.log.slice(-30).join('\n')}` : '';
    const shot = artifact(browser.engine, `failed-${what.replace(/[^a-z0-9]+/gi, '-')}`);
    const page = await withTimeout(browser.evaluate(() => ({
      progress: document.getElementById('progress-label')?.textContent ?? null,
      notices: [...document.querySelectorAll('.notice')].map((n) => n.textContent).join(' | '),
    })), 10000, 'the page').catch((e) => ({ unreadable: String(e?.message ?? e) }));
    await withTimeout(browser.screenshot(shot), 10000, 'the screenshot').catch(() => {});
    // A page that does not answer: whether the browser's processes spin or wait says which.
    const states = page.unreadable && browser.processStates
      ? `\n--- ${browser.engine} processes ---\n${(await browser.processStates()).join('\n')}` : '';
    error.message = `${browser.engine}: ${what}: ${error.message}\n--- page: ${JSON.stringify(page)} (screenshot ${shot})${log}${states}`;
    throw error;
  }
}

// The service worker is active, controls the page, and has the page and the wasm builds in
// its cache (the install step finished), so the server can go away.
export function waitForOfflineReady(browser, timeout = 90000) {
  return browser.waitFor(async () => {
    const controller = navigator.serviceWorker.controller;
    if (!controller || controller.state !== 'activated') return false;
    const names = await caches.keys();
    const shell = names.find((n) => n.startsWith('smollm-demo-shell-'));
    if (!shell) return false;
    const keys = (await (await caches.open(shell)).keys()).map((r) => new URL(r.url).pathname);
    return keys.includes('/index.html') && keys.some((k) => /^\/assets\/smollm-st-.*\.wasm$/.test(k));
  }, null, timeout);
}

// A second origin serving one model file slowly, with CORS, Range support and (optionally)
// one dropped connection part-way, to exercise the page's progress bar, cancel, retry and
// the package's resume-with-Range.
export function startSlowModelServer({ file, bytesPerSecond, dropAtFraction = null }) {
  const size = fs.statSync(file).size;
  const etag = `"slow-${size.toString(16)}"`;
  const requests = [];
  let dropped = dropAtFraction === null;
  const server = http.createServer((req, res) => {
    const headers = {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Headers': 'Range, If-Range',
      'Access-Control-Expose-Headers': 'Content-Length, Content-Range, Accept-Ranges, ETag',
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Accept-Ranges': 'bytes',
      ETag: etag,
      'Content-Type': 'application/octet-stream',
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...headers, 'Access-Control-Allow-Methods': 'GET, HEAD' });
      res.end();
      return;
    }
    requests.push({ method: req.method, range: req.headers.range ?? null });
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m && m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
    if (start >= size) {
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` });
      res.end();
      return;
    }
    if (m) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    headers['Content-Length'] = end - start + 1;
    res.writeHead(m ? 206 : 200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const fd = fs.openSync(file, 'r');
    let offset = start;
    const chunk = Math.max(1024, Math.floor(bytesPerSecond / 20));
    const timer = setInterval(() => {
      if (res.destroyed) {
        clearInterval(timer);
        fs.closeSync(fd);
        return;
      }
      if (!dropped && offset >= size * dropAtFraction) {
        dropped = true;
        clearInterval(timer);
        fs.closeSync(fd);
        res.socket.destroy(); // the connection drops mid-body
        return;
      }
      const n = Math.min(chunk, end + 1 - offset);
      const buf = Buffer.alloc(n);
      fs.readSync(fd, buf, 0, n, offset);
      offset += n;
      res.write(buf);
      if (offset > end) {
        clearInterval(timer);
        fs.closeSync(fd);
        res.end();
      }
    }, 50);
  });
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}/${path.basename(file)}`,
        requests,
        close: () => new Promise((done) => {
          server.close(() => done());
          for (const s of sockets) s.destroy();
        }),
      });
    });
  });
}

// The demo's Max tokens setting, as typing it would set it.
export async function setMaxTokens(browser, n) {
  await browser.evaluate((value) => {
    const input = document.getElementById('max-tokens');
    input.value = String(value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, n);
}

// Selects a model's radio button as a visitor does, once the page is ready, and waits until the
// page has read that model's header (its memory figures are shown, or say why not). Until then
// the model panel is about to change, and a Load click aimed before the change could land
// beside the button. Returns the header state: 'read' or 'unreadable'.
export async function pickModel(browser, radio) {
  await step(browser, 'page ready', () => browser.waitFor(() => document.body.dataset.ready, null, 30000));
  assert.equal(await browser.evaluate(() => document.body.dataset.ready), 'true', 'the package imports in the page');
  await browser.click(radio);
  return step(browser, `${radio} picked and its header read`, () => browser.waitFor((sel) => {
    const header = document.getElementById('memory-estimate').dataset.header;
    return document.querySelector(sel)?.checked && header !== 'reading' && header;
  }, radio, 30000));
}
