// The npm package in headless Chromium (playwright-core) and Firefox ESR (puppeteer-core): a 127.0.0.1 server with COOP/COEP serves the package
// and a writer-generated model; the page loads it in the package's Web Worker, generates,
// and must run the multi-thread build with more than one thread. With the server stopped
// the same page loads the model again from Cache Storage and generates. The same page from a
// server without COOP/COEP falls back to the single-thread build and gives the same text.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { ROOT, haveShared, smolModel } from '../../js/package/support/models.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH, FIREFOX_PATH } from '../browsers.mjs';

const skip = haveShared ? false : '../shared/smollm2/tokenizer.json is absent';

const MIME = { '.js': 'text/javascript', '.cjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

const PAGE = `<!doctype html><meta charset="utf-8"><title>smollm-wasm package test</title>
<script type="importmap">{"imports":{"@huggingface/jinja":"/node_modules/@huggingface/jinja/dist/index.js"}}</script>
<script type="module">
  import { SmolLM, cache } from '/js/src/index.js';
  window.runModel = async (url) => {
    const phases = new Set();
    const llm = await SmolLM.load(url, { threads: 2, contextSize: 256, onProgress: (p) => phases.add(p.phase) });
    let text = '';
    let pieces = 0;
    for await (const piece of llm.generate('def main():', { maxTokens: 10, temperature: 0, ignoreEos: true })) {
      text += piece.text;
      pieces += 1;
    }
    const chat = await llm.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, temperature: 0 });
    const { build, threads, buildReason } = llm.info;
    await llm.unload();
    return { text, pieces, build, threads, buildReason, isolated: self.crossOriginIsolated, phases: [...phases],
      chat: chat.choices[0].finish_reason, cached: await cache.has(url) };
  };
  window.ready = true;
</script>`;

// Serves the page, the package and the model. Package files may be kept by the browser's
// HTTP cache (so the page still works once the server is gone); the model may not: a later
// load can only come from the package's own offline cache.
async function startServer({ isolated, modelPath }) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const headers = { 'cross-origin-resource-policy': 'same-origin' };
    if (isolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { ...headers, 'content-type': 'text/html', 'cache-control': 'max-age=3600' });
      res.end(PAGE);
      return;
    }
    if (url.pathname === '/model.gguf') {
      const body = await readFile(modelPath);
      res.writeHead(200, { ...headers, 'content-type': 'application/octet-stream', 'cache-control': 'no-store', etag: '"m1"', 'content-length': body.length });
      res.end(body);
      return;
    }
    const allowed = ['/js/src/', '/js/wasm/', '/node_modules/@huggingface/jinja/'];
    const path = normalize(join(ROOT, decodeURIComponent(url.pathname)));
    if (allowed.some((p) => url.pathname.startsWith(p)) && path.startsWith(ROOT)) {
      try {
        if ((await stat(path)).isFile()) {
          res.writeHead(200, { ...headers, 'content-type': MIME[extname(path)] ?? 'application/octet-stream', 'cache-control': 'max-age=3600' });
          res.end(await readFile(path));
          return;
        }
      } catch { /* fall through to 404 */ }
    }
    res.writeHead(404, headers);
    res.end();
  });
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { sockets.forEach((s) => s.destroy()); server.close(resolve); }),
  };
}

// Both drivers answer newContext/newPage/goto/waitForFunction/evaluate alike enough.
const BROWSERS = {
  chromium: {
    launch: () => chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    }),
    newContext: (browser) => browser.newContext(),
  },
  firefox: {
    launch: () => puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX_PATH, headless: true }),
    newContext: (browser) => browser.createBrowserContext(),
  },
};

for (const [name, driver] of Object.entries(BROWSERS)) {
  describe(`smollm-wasm in ${name}`, { skip }, () => {
    let browser;
    let modelPath;
    before(async () => {
      modelPath = smolModel();
      browser = await driver.launch();
    });
    after(async () => browser?.close());

    async function openPage(context, base, errors) {
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(`${base}/`);
      await page.waitForFunction(() => window.ready === true);
      return page;
    }

    test('isolated: multi-thread, then offline from the cache; not isolated: single-thread', async () => {
      const errors = [];
      const isolatedServer = await startServer({ isolated: true, modelPath });
      const context = await driver.newContext(browser);
      const page = await openPage(context, isolatedServer.url, errors);
      const first = await page.evaluate((u) => window.runModel(u), `${isolatedServer.url}/model.gguf`);
      assert.equal(first.isolated, true, errors.join('\n'));
      assert.equal(first.build, 'multi-thread');
      assert.equal(first.threads, 2);
      assert.ok(first.text.length > 0 && first.pieces > 0);
      assert.ok(first.phases.includes('download'));
      assert.ok(['stop', 'length'].includes(first.chat));
      assert.equal(first.cached, true);

      await isolatedServer.close();
      const offline = await page.evaluate((u) => window.runModel(u), `${isolatedServer.url}/model.gguf`);
      assert.equal(offline.text, first.text);
      assert.ok(offline.phases.includes('cache') && !offline.phases.includes('download'), offline.phases.join());
      await context.close();

      const plainServer = await startServer({ isolated: false, modelPath });
      const plainContext = await driver.newContext(browser);
      const plainPage = await openPage(plainContext, plainServer.url, errors);
      const plain = await plainPage.evaluate((u) => window.runModel(u), `${plainServer.url}/model.gguf`);
      assert.equal(plain.isolated, false);
      assert.equal(plain.build, 'single-thread');
      assert.equal(plain.threads, 1);
      assert.match(plain.buildReason, /crossOriginIsolated is false/);
      assert.equal(plain.text, first.text, 'same greedy text whatever the thread count');
      await plainContext.close();
      await plainServer.close();
    });
  });
}
