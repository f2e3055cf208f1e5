// The demo's service worker (the built copy of demo/sw.js, with its precache list) run in a
// small service-worker environment over the real demo server: one release per cache, filled
// whole at install or not at all, unchanged files reused from the previous release, served
// cache-first with COOP/COEP and the CSP, nothing cached at run time, no no-store responses
// and no query-string variants. Also: the build's precache list, the CSP copies agree, and
// demo/serve.mjs does not follow a symlink out of its root. (tests/browser/demo runs the
// worker in real browsers.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { ROOT } from '../package/support/models.mjs';
import { startServer } from '../../../demo/serve.mjs';
import { DEFAULT_OUT as DIST, ensureBuilt } from '../../../demo/build.mjs';

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
  context.importScripts = (file) => vm.runInContext(fs.readFileSync(path.join(DIST, file), 'utf8'), context);
  vm.createContext(context);
  vm.runInContext(fs.readFileSync(path.join(DIST, 'sw.js'), 'utf8'), context, { filename: 'sw.js' });
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

  test('install fills one cache named after the release with every built file', async () => {
    const sw = serviceWorker(server.url, network);
    await sw.extend('install');
    const names = await sw.caches.keys();
    assert.equal(names.length, 1);
    assert.equal(names[0], `smollm-demo-shell-${/const RELEASE = '([0-9a-f]{16})'/.exec(fs.readFileSync(path.join(DIST, 'sw.js'), 'utf8'))[1]}`);
    const keys = [...(await sw.caches.open(names[0])).entries.keys()].map((u) => new URL(u).pathname);
    for (const file of ['/index.html', '/csp.js', '/manifest.webmanifest', '/icons/icon-512.png', '/models/index.json']) {
      assert.ok(keys.includes(file), `${file} is in the release`);
    }
    // The package's worker and every wasm build come out of the bundle under hashed names.
    for (const pattern of [/^\/assets\/web-worker-[\w-]+\.js$/, /^\/assets\/smollm-st-[\w-]+\.wasm$/, /^\/assets\/smollm-mt-[\w-]+\.wasm$/, /^\/assets\/smollm-mt\.worker-[\w-]+\.js$/]) {
      assert.ok(keys.some((k) => pattern.test(k)), `${pattern} is in the release: ${keys.join(' ')}`);
    }
    assert.ok(!keys.includes('/sw.js'), 'the worker does not cache itself');
    assert.equal(sw.context.skipped, true, 'the first release takes over at once');
  });

  test('an install that cannot fetch a listed file fails and leaves no half-filled cache', async () => {
    for (const failure of [() => new Response('gone', { status: 404 }),
      (r) => new Response(r.body, { status: 200, headers: { 'cache-control': 'no-store' } })]) {
      overrides.set('/manifest.webmanifest', failure);
      try {
        const sw = serviceWorker(server.url, network, { active: true });
        await assert.rejects(() => sw.extend('install'), /manifest\.webmanifest/);
        assert.deepEqual(await sw.caches.keys(), []);
      } finally {
        overrides.clear();
      }
    }
  });

  test('a new release copies unchanged files from the previous one instead of downloading them', async () => {
    const sw = serviceWorker(server.url, network);
    await sw.extend('install');
    const current = (await sw.caches.keys())[0];
    // The same cache, renamed as if it were the previous release.
    sw.caches.caches.set('smollm-demo-shell-previous', sw.caches.caches.get(current));
    sw.caches.caches.delete(current);
    const previous = sw.caches.caches.get('smollm-demo-shell-previous');
    const wasmKey = [...previous.entries.keys()].find((u) => u.endsWith('.wasm'));
    previous.entries.get(wasmKey).headers = previous.entries.get(wasmKey).headers.map(([k, v]) => [k, k === 'x-smollm-revision' ? 'stale' : v]);
    sw.fetched.length = 0;
    await sw.extend('install');
    assert.deepEqual(sw.fetched.map((u) => new URL(u).pathname).sort(), [new URL(wasmKey).pathname, '/models/index.json'].sort(),
      'only the changed file (and the unversioned model list) is downloaded');
  });

  test('a later release waits instead of taking over the open pages', async () => {
    const sw = serviceWorker(server.url, network, { active: true });
    await sw.extend('install');
    assert.equal(sw.context.skipped, false);
  });

  test('no-store responses are not cached', async () => {
    overrides.set('/models/index.json', (r) => new Response(r.body, { status: 200, headers: { 'cache-control': 'no-store', 'content-type': 'application/json' } }));
    try {
      const sw = serviceWorker(server.url, network);
      await sw.extend('install');
      const cache = await sw.caches.open((await sw.caches.keys())[0]);
      assert.equal(await cache.match(`${server.url}models/index.json`), undefined);
      assert.ok(await cache.match(`${server.url}index.html`));
    } finally {
      overrides.clear();
    }
  });

  test('the shell is served cache-first with COOP/COEP and the CSP; query strings go to the network, uncached', async () => {
    const sw = serviceWorker(server.url, network);
    await sw.extend('install');
    sw.fetched.length = 0;
    const asset = (pattern) => `${server.url}assets/${fs.readdirSync(path.join(DIST, 'assets')).find((f) => pattern.test(f))}`;
    const wasm = await sw.extend('fetch', { request: new Request(asset(/^smollm-st-.*\.wasm$/)) });
    assert.equal(wasm.status, 200);
    assert.deepEqual(sw.fetched, [], 'served from the release cache');
    const script = await sw.extend('fetch', { request: new Request(asset(/^web-worker-.*\.js$/)) });
    assert.equal(script.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(script.headers.get('content-security-policy'), /'wasm-unsafe-eval'/);
    // Node's Request cannot be built in navigate mode; the worker reads only these fields.
    const navigation = { url: `${server.url}?utm=1`, method: 'GET', mode: 'navigate', headers: new Headers(), destination: 'document' };
    const page = await sw.extend('fetch', { request: navigation });
    assert.equal(page.status, 200);
    // The page starts the pthread workers, which run under its policy: WebAssembly, but no eval
    // and no inline script.
    assert.doesNotMatch(page.headers.get('content-security-policy'), /'unsafe-eval'|'unsafe-inline'/);
    assert.deepEqual(sw.fetched, []);
    const cacheBefore = (await sw.caches.open((await sw.caches.keys())[0])).entries.size;
    const variant = await sw.extend('fetch', { request: new Request(`${server.url}csp.js?v=2`) });
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
  test('index.html (source and built) carries the page policy of csp.js, with no inline script', async () => {
    await ensureBuilt();
    const context = { globalThis: {} };
    vm.runInNewContext(fs.readFileSync(path.join(DEMO, 'csp.js'), 'utf8'), context);
    const csp = context.globalThis.SMOLLM_DEMO_CSP;
    for (const dir of [DEMO, DIST]) {
      const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
      assert.equal(/http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)[1], csp.page, dir);
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)/, `no inline script in ${dir}/index.html`);
      assert.doesNotMatch(html, /<link[^>]*rel="stylesheet"[^>]*href="https?:/, 'styles from this origin');
    }
    assert.doesNotMatch(csp.page, /'unsafe-eval'|'unsafe-inline'|sha256-/);
    assert.doesNotMatch(csp.worker, /'unsafe-eval'|'unsafe-inline'/);
  });

  test('the build lists every file it wrote, with the digest of its contents, and the release follows the list', async () => {
    await ensureBuilt();
    const { precacheList, stampServiceWorker } = await import('../../../demo/tools/precache_plugin.mjs');
    const source = fs.readFileSync(path.join(DIST, 'sw.js'), 'utf8');
    const listed = JSON.parse(/^const PRECACHE = (\[[\s\S]*?\]);$/m.exec(source)[1]);
    assert.deepEqual(listed, precacheList(DIST), 'the list matches the folder');
    const { createHash } = await import('node:crypto');
    const html = listed.find((e) => e.url === 'index.html');
    assert.equal(html.revision, createHash('sha256').update(fs.readFileSync(path.join(DIST, 'index.html'))).digest('hex').slice(0, 16));
    const release = /^const RELEASE = '([0-9a-f]{16})';$/m.exec(source)[1];
    const sourceSw = fs.readFileSync(path.join(DEMO, 'sw.js'), 'utf8');
    assert.equal(stampServiceWorker(sourceSw, listed).release, release);
    const changed = listed.map((e) => (e.url === 'index.html' ? { ...e, revision: '0'.repeat(16) } : e));
    assert.notEqual(stampServiceWorker(sourceSw, changed).release, release, 'one changed file is a new release');
    assert.throws(() => stampServiceWorker('const RELEASE = 1;', listed), /RELEASE and PRECACHE/);
  });

  test('the bundle keeps the package\'s error class names and inlines no asset as a data: URL', async () => {
    await ensureBuilt();
    const files = fs.readdirSync(path.join(DIST, 'assets')).filter((f) => f.endsWith('.js'));
    const scripts = files.map((f) => fs.readFileSync(path.join(DIST, 'assets', f), 'utf8'));
    const worker = scripts[files.findIndex((f) => f.startsWith('web-worker-'))];
    // Minified, `class HttpError` becomes an anonymous `class`, and new.target.name is ''.
    for (const name of ['HttpError', 'ModelTooLargeError', 'NetworkError', 'ContextLengthError']) {
      const named = new RegExp(`\\b${name}=class\\b`);
      assert.ok(scripts.some((s) => named.test(s)), `${name} keeps its name in the page bundle`);
      assert.match(worker, named, `${name} keeps its name in the engine worker bundle`);
    }
    assert.ok(!scripts.some((s) => /data:(text\/javascript|application\/wasm)/.test(s)), 'no script or wasm inlined as data: (the CSP blocks fetching it)');
  });

  test('serve.mjs sends the CSP, COOP/COEP, immutable caching for hashed files, and models with Range', async () => {
    const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smollm-models-'));
    fs.writeFileSync(path.join(modelsDir, 'm.gguf'), Buffer.from('GGUF0123456789'));
    const server = await startServer({ modelsDir });
    try {
      const page = await fetch(server.url);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-security-policy'), /frame-ancestors 'none'/);
      assert.equal(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
      assert.equal(page.headers.get('cache-control'), 'no-cache');
      const sw = await (await fetch(`${server.url}sw.js`)).text();
      assert.match(sw, /^const RELEASE = '[0-9a-f]{16}';$/m);
      const wasmName = fs.readdirSync(path.join(DIST, 'assets')).find((f) => f.endsWith('.wasm'));
      const wasm = await fetch(`${server.url}assets/${wasmName}`);
      assert.equal(wasm.headers.get('content-type'), 'application/wasm');
      assert.match(wasm.headers.get('cache-control'), /immutable/);
      await wasm.arrayBuffer();
      const list = await (await fetch(`${server.url}models/index.json`)).json();
      assert.ok(list.models.some((m) => m.name === 'm.gguf' && m.bytes === 14));
      const part = await fetch(`${server.url}models/m.gguf`, { headers: { Range: 'bytes=4-7' } });
      assert.equal(part.status, 206);
      assert.equal(await part.text(), '0123');
      assert.equal((await fetch(`${server.url}models/other.gguf`)).status, 404);
      assert.equal((await fetch(server.url, { method: 'POST' })).status, 405);
    } finally {
      await server.close();
      fs.rmSync(modelsDir, { recursive: true, force: true });
    }
  });

  test('serve.mjs does not follow a symlink out of its root', async (t) => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'smollm-secret-'));
    t.after(() => fs.rmSync(outside, { recursive: true, force: true }));
    const secret = path.join(outside, 'secret.txt');
    fs.writeFileSync(secret, 'outside');
    await ensureBuilt();
    const link = path.join(DIST, `symlink-escape-test-${process.pid}.txt`);
    fs.symlinkSync(secret, link);
    const server = await startServer();
    try {
      const r = await fetch(`${server.url}${path.basename(link)}`);
      assert.equal(r.status, 404);
      assert.doesNotMatch(await r.text(), /outside/);
      assert.equal((await fetch(`${server.url}csp.js`)).status, 200, 'the folder\'s own files still serve');
    } finally {
      fs.unlinkSync(link);
      await server.close();
    }
  });
});
