// The demo's service worker (demo/sw.js) run in a small service-worker environment over the
// real demo server: one release per cache, filled whole at install or not at all, served
// cache-first with COOP/COEP and the CSP, nothing cached at run time, no no-store responses
// and no query-string variants. Also: the CSP copies agree, and demo/serve.mjs does not follow
// a symlink out of its root. (tests/browser/demo runs the worker in real browsers.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { ROOT } from '../package/support/models.mjs';
import { startServer } from '../../../demo/serve.mjs';

const DEMO = path.join(ROOT, 'demo');

class FakeCache {
  entries = new Map();
  async put(request, response) {
    this.entries.set(typeof request === 'string' ? request : request.url, { body: await response.arrayBuffer(), status: response.status, headers: [...response.headers] });
  }
  async match(request) {
    const entry = this.entries.get(typeof request === 'string' ? request : request.url);
    return entry && new Response(entry.body, { status: entry.status, headers: entry.headers });
  }
  async keys() {
    return [...this.entries.keys()].map((url) => new Request(url));
  }
}

class FakeCacheStorage {
  caches = new Map();
  async open(name) {
    if (!this.caches.has(name)) this.caches.set(name, new FakeCache());
    return this.caches.get(name);
  }
  async delete(name) { return this.caches.delete(name); }
  async keys() { return [...this.caches.keys()]; }
}

// A service-worker global running demo/sw.js; `network(url)` answers its fetches.
function serviceWorker(scope, network, { active = false } = {}) {
  const listeners = {};
  const fetched = [];
  const context = {
    console, URL, Request, Response, Headers, AbortController, setTimeout, clearTimeout,
    location: new URL(scope),
    caches: new FakeCacheStorage(),
    registration: { scope, active: active ? {} : null },
    clients: { claim: async () => {} },
    skipped: false,
    addEventListener: (type, fn) => { listeners[type] = fn; },
    fetch: async (request) => {
      const url = typeof request === 'string' ? request : request.url;
      fetched.push(url);
      return network(url);
    },
  };
  context.self = context;
  context.skipWaiting = async () => { context.skipped = true; };
  context.importScripts = (file) => vm.runInContext(fs.readFileSync(path.join(DEMO, file), 'utf8'), context);
  vm.createContext(context);
  vm.runInContext(fs.readFileSync(path.join(DEMO, 'sw.js'), 'utf8'), context, { filename: 'sw.js' });
  const extend = async (type, extra = {}) => {
    const pending = [];
    const event = { ...extra, waitUntil: (p) => pending.push(p), respondWith: (p) => pending.push(p) };
    listeners[type](event);
    return (await Promise.all(pending))[0];
  };
  return { context, fetched, extend, caches: context.caches };
}

describe('demo service worker', () => {
  let server;
  const overrides = new Map();   // path -> (response) => response
  const network = async (url) => {
    const response = await fetch(url);
    const override = overrides.get(new URL(url).pathname);
    return override ? override(response) : response;
  };
  before(async () => { server = await startServer(); });
  after(() => server?.close());

  test('install fills one cache named after the release with the whole shell', async () => {
    const sw = serviceWorker(server.url, network);
    await sw.extend('install');
    const names = await sw.caches.keys();
    assert.equal(names.length, 1);
    assert.match(names[0], /^smollm-demo-shell-/);
    const keys = [...(await sw.caches.open(names[0])).entries.keys()].map((u) => new URL(u).pathname);
    for (const file of ['/', '/index.html', '/csp.js', '/js/src/index.js', '/js/src/engine/web-worker.js', '/js/wasm/smollm-st.js', '/js/wasm/smollm-st.wasm', '/vendor/jinja/index.js']) {
      assert.ok(keys.includes(file), `${file} is in the release`);
    }
    assert.equal(sw.context.skipped, true, 'the first release takes over at once');
  });

  test('an install that cannot fetch a shell file fails and leaves no half-filled cache', async () => {
    overrides.set('/styles.css', () => new Response('gone', { status: 404 }));
    try {
      const sw = serviceWorker(server.url, network, { active: true });
      await assert.rejects(() => sw.extend('install'), /styles\.css/);
      assert.deepEqual(await sw.caches.keys(), []);
    } finally {
      overrides.clear();
    }
  });

  test('a later release waits instead of taking over the open pages', async () => {
    const sw = serviceWorker(server.url, network, { active: true });
    await sw.extend('install');
    assert.equal(sw.context.skipped, false);
  });

  test('no-store responses are not cached', async () => {
    overrides.set('/js/src/errors.js', (r) => new Response(r.body, { status: 200, headers: { 'cache-control': 'no-store', 'content-type': 'text/javascript' } }));
    try {
      const sw = serviceWorker(server.url, network);
      await sw.extend('install');
      const cache = await sw.caches.open((await sw.caches.keys())[0]);
      assert.equal(await cache.match(`${server.url}js/src/errors.js`), undefined);
      assert.ok(await cache.match(`${server.url}js/src/smollm.js`));
    } finally {
      overrides.clear();
    }
  });

  test('the shell is served cache-first with COOP/COEP and the CSP; query strings go to the network, uncached', async () => {
    const sw = serviceWorker(server.url, network);
    await sw.extend('install');
    sw.fetched.length = 0;
    const wasm = await sw.extend('fetch', { request: new Request(`${server.url}js/wasm/smollm-st.wasm`) });
    assert.equal(wasm.status, 200);
    assert.deepEqual(sw.fetched, [], 'served from the release cache');
    const script = await sw.extend('fetch', { request: new Request(`${server.url}js/src/engine/web-worker.js`) });
    assert.equal(script.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(script.headers.get('content-security-policy'), /'wasm-unsafe-eval'/);
    // Node's Request cannot be built in navigate mode; the worker reads only these fields.
    const navigation = { url: `${server.url}?utm=1`, method: 'GET', mode: 'navigate', headers: new Headers(), destination: 'document' };
    const page = await sw.extend('fetch', { request: navigation });
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.headers.get('content-security-policy'), /wasm-unsafe-eval|unsafe-eval|unsafe-inline/);
    assert.deepEqual(sw.fetched, []);
    const cacheBefore = (await sw.caches.open((await sw.caches.keys())[0])).entries.size;
    const variant = await sw.extend('fetch', { request: new Request(`${server.url}js/src/index.js?v=2`) });
    assert.equal(variant, undefined, 'left to the network');
    assert.equal((await sw.caches.open((await sw.caches.keys())[0])).entries.size, cacheBefore);
  });

  test('activation deletes older releases only, never the package\'s model cache', async () => {
    const sw = serviceWorker(server.url, network);
    await sw.caches.open('smollm-demo-shell-old');
    await sw.caches.open('smollm-wasm-models');
    await sw.extend('install');
    await sw.extend('activate');
    const names = await sw.caches.keys();
    assert.ok(names.includes('smollm-wasm-models'));
    assert.ok(!names.includes('smollm-demo-shell-old'));
    assert.equal(names.filter((n) => n.startsWith('smollm-demo-shell-')).length, 1);
  });
});

describe('demo headers and files', () => {
  test('index.html carries the page policy of csp.js, and it allows the import map by its hash', async () => {
    const context = { globalThis: {} };
    vm.runInNewContext(fs.readFileSync(path.join(DEMO, 'csp.js'), 'utf8'), context);
    const csp = context.globalThis.SMOLLM_DEMO_CSP;
    const html = fs.readFileSync(path.join(DEMO, 'index.html'), 'utf8');
    assert.equal(/http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)[1], csp.page);
    const importMap = /<script type="importmap">(.*?)<\/script>/s.exec(html)[1];
    const { createHash } = await import('node:crypto');
    assert.ok(csp.page.includes(`'sha256-${createHash('sha256').update(importMap).digest('base64')}'`));
    assert.doesNotMatch(html, /<script(?![^>]*(type="importmap"|src=))/, 'no other inline script');
    assert.doesNotMatch(csp.page, /unsafe/);
    assert.doesNotMatch(csp.worker, /'unsafe-eval'|'unsafe-inline'/);
  });

  test('serve.mjs sends the CSP and stamps the service worker with a release', async () => {
    const server = await startServer();
    try {
      const page = await fetch(server.url);
      assert.match(page.headers.get('content-security-policy'), /frame-ancestors 'none'/);
      const sw = await (await fetch(`${server.url}sw.js`)).text();
      assert.match(sw, /^const RELEASE = '[0-9a-f]{16}';$/m);
    } finally {
      await server.close();
    }
  });

  test('serve.mjs does not follow a symlink out of its root', async () => {
    const secret = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'smollm-secret-')), 'secret.txt');
    fs.writeFileSync(secret, 'outside');
    const link = path.join(DEMO, `symlink-escape-test-${process.pid}.txt`);
    fs.symlinkSync(secret, link);
    const server = await startServer();
    try {
      const r = await fetch(`${server.url}${path.basename(link)}`);
      assert.equal(r.status, 404);
      assert.doesNotMatch(await r.text(), /outside/);
      assert.equal((await fetch(`${server.url}vendor/jinja/index.js`)).status, 200, 'a linked mount (node_modules) still serves');
    } finally {
      fs.unlinkSync(link);
      await server.close();
    }
  });
});
