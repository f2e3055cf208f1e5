// The npm package in every engine of browsers.mjs: headless Chromium, Firefox ESR, and WebKit
// with and without SharedArrayBuffer. A 127.0.0.1 server with COOP/COEP serves the package
// and a writer-generated model; the page loads it in the package's Web Worker and generates.
// Where the engine has SharedArrayBuffer it must run the multi-thread build with 2 threads;
// WebKitGTK as shipped hides SharedArrayBuffer even on the isolated page, so there the
// single-thread build runs and ModelInfo.buildReason must name SharedArrayBuffer, not the
// isolation. With the server stopped the same page loads the model again from Cache Storage
// and generates. The same page from a server without COOP/COEP falls back to the
// single-thread build and gives the same text.
// Correctness: tiny-py-Q4_K_M's logits (llama.cpp-quantized Q4_K + Q6_K, 11 prompt positions)
// must be bit-identical to the same package's in Node, whose V8 is Chromium's engine: the
// wasm modules are deterministic, so any difference is an engine or build-choice bug. The
// Node reference itself is checked against llama.cpp by tests/parity.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { SHARED, haveShared, smolModel } from '../../js/package/support/models.mjs';
import { IMPORT_MAP, PACKAGE_ROUTES } from '../../support/package-routes.mjs';
import { listen, staticRoutes } from '../../support/static-server.mjs';
import { SmolLM } from '../../../js/src/index.js';
import { ENGINES, missingBrowser } from '../browsers.mjs';

const skip = haveShared ? false : '../shared/smollm2/tokenizer.json is absent';

const PARITY_MODEL = join(SHARED, 'golden/models/tiny-py-Q4_K_M.gguf');
const skipParity = existsSync(PARITY_MODEL) ? false : `${PARITY_MODEL} is absent`;
const PARITY_PROMPT = 'def fibonacci(n):\n    if n < 2:\n        return n\n';
const PARITY_TOKENS = 11;

const PAGE = `<!doctype html><meta charset="utf-8"><title>smollm-wasm package test</title><link rel="icon" href="data:,">
${IMPORT_MAP}
<script type="module">
  import { SmolLM, ThreadStartError, cache } from '/js/src/index.js';
  window.runModel = async (url) => {
    const phases = new Set();
    const warnings = [];
    const llm = await SmolLM.load(url, { threads: 2, contextSize: 256, onProgress: (p) => phases.add(p.phase),
      onWarning: (w) => warnings.push(w.message ?? String(w)) });
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
      chat: chat.choices[0].finish_reason, cached: await cache.has(url), warnings };
  };
  // Logits of the given token ids, prefill then one token at a time, compared bit for bit
  // with the reference (float32, prefill rows then decode rows) served at referenceUrl.
  window.compareLogits = async (url, referenceUrl, tokens) => {
    const llm = await SmolLM.load(url, { threads: 2, contextSize: 64, cache: false, simd: 'simd128' });
    const prefill = await llm.evalLogits(tokens);
    const decode = await llm.evalLogits(tokens, { batchSize: 1 });
    const { build, threads, simd } = llm.info;
    await llm.unload();
    const reference = new Uint32Array(await (await fetch(referenceUrl)).arrayBuffer());
    const ours = new Float32Array(prefill.logits.length + decode.logits.length);
    ours.set(prefill.logits);
    ours.set(decode.logits, prefill.logits.length);
    const bits = new Uint32Array(ours.buffer);
    let differ = 0;
    let first = null;
    for (let i = 0; i < Math.max(bits.length, reference.length); ++i) {
      if (bits[i] === reference[i]) continue;
      differ += 1;
      first ??= { index: i, row: Math.floor(i / prefill.nVocab), ours: ours[i], reference: new Float32Array(reference.buffer)[i] };
    }
    return { build, threads, simd, length: bits.length, referenceLength: reference.length, differ, first };
  };
  // What SmolLM.load rejects with (null when it loads).
  window.loadError = async (url) => {
    try {
      const llm = await SmolLM.load(url, { threads: 2, contextSize: 64, cache: false });
      await llm.unload();
      return null;
    } catch (error) {
      return { name: error.name, message: error.message, isThreadStartError: error instanceof ThreadStartError };
    }
  };
  // Which Workers the page creates during a multi-thread load, and which of them the unload
  // ends (the page wraps Worker for the call).
  // Four threads, as many as WebKit reports on a 2-core machine: how many the engine starts on.
  window.fourThreads = async (url) => {
    const llm = await SmolLM.load(url, { threads: 4, contextSize: 64, cache: false });
    let text = '';
    for await (const piece of llm.generate('def main():', { maxTokens: 8, temperature: 0, ignoreEos: true })) text += piece.text;
    const { build, threads, threadsAtOnce, threadsReason } = llm.info;
    await llm.unload();
    return { build, threads, threadsAtOnce, threadsReason, reported: navigator.hardwareConcurrency, text };
  };
  window.pageWorkers = async (url) => {
    const Native = window.Worker;
    const made = [];
    window.Worker = class extends Native {
      constructor(script, options) {
        super(script, options);
        const record = { script: String(script), terminated: false };
        made.push(record);
        const terminate = this.terminate.bind(this);
        this.terminate = () => { record.terminated = true; terminate(); };
      }
    };
    try {
      const llm = await SmolLM.load(url, { threads: 2, contextSize: 64, cache: false });
      const { build, threads } = llm.info;
      await llm.unload();
      return { build, threads, made };
    } finally {
      window.Worker = Native;
    }
  };
  window.ready = true;
</script>`;

// Serves the page, the package and the models (path or bytes). Page and package may be kept
// by the browser's HTTP cache (so the page still works once the server is gone); the models
// may not: a later load can only come from the package's own offline cache.
// siteCsp: a Content-Security-Policy for the page and the package's scripts (the engine
// worker's own), as a site sends it with every response.
async function startServer({ isolated, files, siteCsp = null }) {
  const cached = { 'cache-control': 'max-age=3600' };
  const policy = siteCsp ? { 'content-security-policy': siteCsp } : {};
  /** @type {Record<string, import('../../support/static-server.mjs').Route>} */
  const routes = { '/': { body: PAGE, type: 'text/html', headers: { ...cached, ...policy } } };
  for (const [prefix, dir] of Object.entries(PACKAGE_ROUTES)) {
    const csp = prefix === '/js/src/' ? policy : {};
    routes[prefix] = { path: dir, headers: { ...cached, ...csp } };
  }
  for (const [url, file] of Object.entries(files)) {
    routes[url] = typeof file === 'string' ? file : { body: file, type: 'application/octet-stream' };
  }
  const serve = staticRoutes(routes, { isolated });
  let modelsOffline = false;
  const server = await listen((req, res) => {
    // The model files' requests fail as if the network were down; the page and package stay.
    if (modelsOffline && files[(req.url ?? '').split('?')[0]]) req.socket.destroy();
    else serve(req, res);
  });
  return { ...server, takeModelsOffline: () => { modelsOffline = true; } };
}

// The Node reference: token ids of the parity prompt and their logits (prefill rows, then
// the same tokens decoded one at a time), as raw float32 bytes.
async function nodeReference() {
  const llm = await SmolLM.load(PARITY_MODEL, { threads: 1, contextSize: 64, cache: false, simd: 'simd128' });
  try {
    const tokens = [...(await llm.tokenize(PARITY_PROMPT))].slice(0, PARITY_TOKENS);
    const prefill = await llm.evalLogits(tokens);
    const decode = await llm.evalLogits(tokens, { batchSize: 1 });
    const all = new Float32Array(prefill.logits.length + decode.logits.length);
    all.set(prefill.logits);
    all.set(decode.logits, prefill.logits.length);
    return { tokens, bytes: Buffer.from(all.buffer), nVocab: prefill.nVocab };
  } finally {
    await llm.unload();
  }
}

let reference = null;

for (const engine of ENGINES) {
  describe(`smollm-wasm in ${engine.name}`, { skip: skip || missingBrowser(engine) || false }, () => {
    let browser;
    let modelPath;
    before(async () => {
      modelPath = smolModel();
      browser = await engine.launch();
    });
    after(async () => browser?.close());

    async function openPage(base) {
      await browser.goto(`${base}/`);
      await browser.waitFor(() => window.ready === true, undefined, 30000);
    }
    const why = () => browser.log.slice(-20).join('\n');

    test(engine.sharedArrayBuffer
      ? 'isolated: multi-thread, then offline from the cache; not isolated: single-thread'
      : 'isolated but without SharedArrayBuffer: single-thread, and the reason names SharedArrayBuffer; offline from the cache; not isolated: single-thread',
    async () => {
      const isolatedServer = await startServer({ isolated: true, files: { '/model.gguf': modelPath } });
      let first;
      let offline;
      try {
        await openPage(isolatedServer.url);
        first = await browser.evaluate((u) => window.runModel(u), `${isolatedServer.url}/model.gguf`);
        // Offline: the model must come from the package's cache. The page and the package come
        // from the browser's HTTP cache, except in WebKit: its WebDriver session serves
        // nothing from the HTTP cache once the server is gone ("Load failed" for every
        // module), so there only the model's URL goes offline.
        if (engine.name.startsWith('webkit')) isolatedServer.takeModelsOffline();
        else await isolatedServer.close();
        offline = await browser.evaluate((u) => window.runModel(u), `${isolatedServer.url}/model.gguf`);
      } finally {
        await isolatedServer.close();
      }
      assert.equal(first.isolated, true, why());
      if (engine.sharedArrayBuffer) {
        assert.equal(first.build, 'multi-thread', first.buildReason);
        assert.equal(first.threads, 2);
        assert.match(first.buildReason, /crossOriginIsolated is true: SharedArrayBuffer available/);
      } else {
        assert.equal(first.build, 'single-thread');
        assert.equal(first.threads, 1);
        assert.match(first.buildReason, /SharedArrayBuffer is not available although crossOriginIsolated is true/);
        assert.doesNotMatch(first.buildReason, /crossOriginIsolated is false/);
      }
      assert.ok(first.text.length > 0 && first.pieces > 0);
      assert.ok(first.phases.includes('download'));
      assert.ok(['stop', 'length'].includes(first.chat));
      assert.equal(first.cached, true, `not cached; warnings: ${first.warnings.join('; ')}`);
      assert.equal(offline.text, first.text);
      assert.ok(offline.phases.includes('cache') && !offline.phases.includes('download'), offline.phases.join());

      // Another origin, so nothing of the isolated one's cache is seen.
      const plainServer = await startServer({ isolated: false, files: { '/model.gguf': modelPath } });
      try {
        await openPage(plainServer.url);
        const plain = await browser.evaluate((u) => window.runModel(u), `${plainServer.url}/model.gguf`);
        assert.equal(plain.isolated, false);
        assert.equal(plain.build, 'single-thread');
        assert.equal(plain.threads, 1);
        assert.match(plain.buildReason, /crossOriginIsolated is false/);
        assert.equal(plain.text, first.text, 'same greedy text whatever the thread count');
      } finally {
        await plainServer.close();
      }
    });

    // A pool worker that cannot start must fail the load, never leave it waiting: here the
    // site's policy forbids the blob: workers the multi-thread build starts (the page starts
    // them for the engine worker: pool-workers-page.js).
    test('multi-thread: pthread workers that cannot start reject the load with a ThreadStartError',
      // The timeout turns the defect (a load that never settles) into a failure, not a hung run.
      { skip: engine.sharedArrayBuffer ? false : 'no SharedArrayBuffer: the single-thread build starts no workers', timeout: 120000 }, async () => {
        const server = await startServer({ isolated: true, files: { '/model.gguf': modelPath }, siteCsp: "worker-src 'self'" });
        try {
          await openPage(server.url);
          const error = await browser.evaluate((u) => window.loadError(u), `${server.url}/model.gguf`);
          assert.ok(error, 'the load must fail');
          assert.equal(error.name, 'ThreadStartError', error.message);
          assert.equal(error.isThreadStartError, true);
          assert.match(error.message, /pthread worker/);
        } finally {
          await server.close();
        }
      });

    // Firefox could stop for good inside `new Worker()` called in the engine's worker (3 of
    // 250 loads under WebDriver BiDi with two busy processes beside it): the page starts the
    // pool workers instead, and ends them with the engine.
    test('multi-thread: the page starts the pthread pool workers, and the unload ends them',
      { skip: engine.sharedArrayBuffer ? false : 'no SharedArrayBuffer: the single-thread build starts no workers' }, async () => {
        const server = await startServer({ isolated: true, files: { '/model.gguf': modelPath } });
        try {
          await openPage(server.url);
          const r = await browser.evaluate((u) => window.pageWorkers(u), `${server.url}/model.gguf`);
          assert.equal(r.build, 'multi-thread');
          const scripts = r.made.map((w) => w.script);
          assert.equal(r.made.length, r.threads, `the engine worker and ${r.threads - 1} pool worker(s): ${scripts.join(', ')}`);
          assert.match(scripts[0], /web-worker\.js$/);
          for (const script of scripts.slice(1)) assert.match(script, /^blob:/);
          assert.deepEqual(r.made.filter((w) => !w.terminated), [], 'the unload ends every worker it started');
        } finally {
          await server.close();
        }
      });

    // The cores a browser reports can be more than the machine's (WebKitGTK: 4 on 2); the engine
    // measures how many of its threads run at once as it starts (runtime/concurrency_probe.h).
    test('multi-thread: 4 threads start on no more at once than the machine runs, and say why',
      { skip: engine.sharedArrayBuffer ? false : 'no SharedArrayBuffer: the single-thread build runs one thread' }, async () => {
        const server = await startServer({ isolated: true, files: { '/model.gguf': modelPath } });
        try {
          await openPage(server.url);
          const r = await browser.evaluate((u) => window.fourThreads(u), `${server.url}/model.gguf`);
          const machine = os.cpus().length;
          assert.equal(r.build, 'multi-thread');
          assert.equal(r.threads, 4);
          assert.ok(r.text.length > 0);
          // Fewer than reported only by measurement, never below 2, never above what runs.
          assert.ok(r.threadsAtOnce >= 2 && r.threadsAtOnce <= Math.max(2, Math.min(4, machine, r.reported)),
            `${r.threadsAtOnce} at once with ${r.reported} cores reported on a ${machine}-core machine: ${r.threadsReason}`);
          if (r.threadsAtOnce < Math.min(4, r.reported)) {
            assert.match(r.threadsReason, new RegExp(`; ${r.threadsAtOnce} run at once: ${r.reported} cores reported, ${r.threadsAtOnce} found running at once`));
          }
        } finally {
          await server.close();
        }
      });

    test('tiny-py-Q4_K_M logits are bit-identical to the package\'s in Node (V8)', { skip: skipParity }, async () => {
      reference ??= await nodeReference();
      const server = await startServer({ isolated: true, files: { '/tiny-py.gguf': PARITY_MODEL, '/reference.f32': reference.bytes } });
      try {
        await openPage(server.url);
        const r = await browser.evaluate(([u, ref, tokens]) => window.compareLogits(u, ref, tokens),
          [`${server.url}/tiny-py.gguf`, `${server.url}/reference.f32`, reference.tokens]);
        assert.equal(r.build, engine.sharedArrayBuffer ? 'multi-thread' : 'single-thread');
        assert.equal(r.threads, engine.sharedArrayBuffer ? 2 : 1);
        assert.equal(r.simd, 'simd128');
        assert.equal(r.length, 2 * PARITY_TOKENS * reference.nVocab);
        assert.equal(r.referenceLength, r.length);
        assert.equal(r.differ, 0, `${r.differ} of ${r.length} logits differ from Node's, first ${JSON.stringify(r.first)}`);
      } finally {
        await server.close();
      }
    });
  });
}
