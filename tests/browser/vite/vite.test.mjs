// The published package through a bundler: `npm pack` of js/ installed offline into a fresh
// folder (tests/support/packed-package.mjs), where a minimal app that imports 'smollm-wasm' by
// name is built with Vite's JS API. The dist is served from 127.0.0.1 with COOP/COEP, and
// headless Chromium and Firefox ESR load a writer-generated model in the package's Web Worker
// and generate. Every worker, wasm and pthread script must come out of the bundle (the server
// has nothing else), and the isolated page must run the multi-thread build. The same app then
// runs from Vite's dev server, which may read the app's folder only: the package is there.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, syntheticModel } from '../../js/package/support/models.mjs';
import { missingPackPrerequisite, packAndInstall } from '../../support/packed-package.mjs';
import { startStaticServer, staticRoutes } from '../../support/static-server.mjs';
import { enginesNamed, missingBrowser } from '../browsers.mjs';

function missingPrerequisite() {
  if (!existsSync(join(ROOT, 'node_modules/vite'))) return 'vite is not installed (npm install at the repository root)';
  return missingPackPrerequisite();
}

const skip = missingPrerequisite();
if (skip) console.log(`skipping the Vite test: ${skip}`);

const INDEX_HTML = `<!doctype html><meta charset="utf-8"><title>smollm-wasm from Vite</title><link rel="icon" href="data:,">
<script type="module" src="./main.js"></script>`;

// What a user's app would write: the bare package name, nothing about workers or wasm.
// window.trail records how far it got, for a failure's message.
const MAIN_JS = `import { SmolLM } from 'smollm-wasm';
window.runModel = async (url) => {
  const trail = window.trail = ['load'];
  const llm = await SmolLM.load(url, { threads: 2, contextSize: 128,
    onProgress: (p) => { if (trail.at(-1) !== p.phase) trail.push(p.phase); } });
  trail.push('generate');
  let text = '';
  for await (const piece of llm.generate('ab', { maxTokens: 8, temperature: 0, ignoreEos: true })) {
    text += piece.text;
    trail.push('piece');
  }
  trail.push('chat template');
  // The chat template renders in the engine's worker, which imports the template engine itself.
  const prompt = await llm.applyChatTemplate([{ role: 'user', content: 'hi' }]);
  trail.push('unload');
  const { build, threads, buildReason } = llm.info;
  await llm.unload();
  return { text, prompt, build, threads, buildReason, isolated: self.crossOriginIsolated };
};
window.ready = true;
`;

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

// How far runModel got, asked of the page while its evaluation is still open (none: the page
// never started it, or was reloaded since, as Vite's dev server does when it re-optimizes).
async function pageTrail(browser) {
  let timer;
  const trail = await Promise.race([
    browser.evaluate(() => (window.trail ?? []).join(' > ')).catch((e) => `unreadable (${e.message})`),
    new Promise((resolve) => { timer = setTimeout(() => resolve('unreadable (no answer in 5 s)'), 5000); }),
  ]).finally(() => clearTimeout(timer));
  return trail || 'none';
}

// Opens `base` and runs the app's runModel on its /model.gguf; `errors` are what the page
// logged as errors or threw meanwhile. `serverLog` gives what the server logged, if anything.
async function runInPage(browser, base, misses, serverLog = () => []) {
  const logged = browser.log.length;
  const context = () => `misses: ${misses.join(', ') || 'none'}; console: ${browser.log.slice(-20).join(' | ') || 'nothing'}` +
    `; server: ${serverLog().slice(-10).join(' | ') || 'nothing'}`;
  await browser.goto(`${base}/`);
  await browser.waitFor(() => window.ready === true, undefined, 20000);
  // A page that never answers (a worker that failed to start) fails here with what it logged.
  let timer;
  const result = await Promise.race([
    // Rethrown with its message: the drivers report a thrown error by its name alone. The
    // page's Worker is wrapped for the call, to see which workers the page creates.
    browser.evaluate(async (u) => {
      const Native = window.Worker;
      const made = [];
      window.Worker = class extends Native {
        constructor(script, options) {
          super(script, options);
          made.push(String(script).split(':')[0]);
        }
      };
      try {
        return { ...await window.runModel(u), made };
      } catch (e) {
        throw new Error(`${e.name}: ${e.message}`);
      } finally {
        window.Worker = Native;
      }
    }, `${base}/model.gguf`),
    new Promise((_, reject) => {
      timer = setTimeout(async () => reject(new Error(`no answer in 60 s; trail: ${await pageTrail(browser)}; ${context()}`)), 60000);
    }),
  ]).finally(() => clearTimeout(timer));
  const errors = browser.log.slice(logged).filter((line) => /^\[(pageerror|console\.error)\]/.test(line));
  return { result, errors, context };
}

function assertMultiThreadText(result, context) {
  assert.equal(result.isolated, true, context());
  assert.equal(result.build, 'multi-thread', `${result.buildReason}; ${context()}`);
  assert.equal(result.threads, 2, context());
  // The engine worker, and its one pool worker (from a Blob URL): created by the page, as in
  // every deployment, because a worker that creates workers may stall in Firefox under
  // automation (js/src/engine/pool-workers-page.js).
  assert.deepEqual(result.made, ['http', 'blob'], `the page created the engine worker and the pool worker; ${context()}`);
  assert.ok(result.text.length > 0, `generated text: ${JSON.stringify(result.text)}; ${context()}`);
  assert.match(result.prompt, /hi/, `chat prompt rendered in the worker; ${context()}`);
}

describe('smollm-wasm from npm pack, bundled by Vite', { skip: skip ?? false }, () => {
  let dir;
  let app;
  let modelPath;
  let dist;
  const texts = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smollm-vite-'));
    ({ app } = packAndInstall(dir, { 'index.html': INDEX_HTML, 'main.js': MAIN_JS }));
    modelPath = syntheticModel();
    dist = join(dir, 'dist');
    const { build } = await import('vite');
    await build({
      root: app,
      configFile: false,
      // The Emscripten glue names Node built-ins behind runtime checks; Vite's notes that it
      // stubs them for the browser are expected, so only errors are printed.
      logLevel: 'error',
      build: { outDir: dist, emptyOutDir: true },
    });
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the build emits both wasm modules', () => {
    const assets = readdirSync(join(dist, 'assets'));
    for (const name of ['smollm-mt', 'smollm-st']) {
      assert.ok(assets.some((f) => f.startsWith(name) && f.endsWith('.wasm')), `${name}.wasm is emitted: ${assets.join(', ')}`);
    }
  });

  for (const engine of enginesNamed('chromium', 'firefox')) {
    describe(engine.name, { skip: missingBrowser(engine) ?? false }, () => {
      let browser;
      before(async () => { browser = await engine.launch(); });
      after(async () => browser?.close());

      test('vite build: the bundle loads a model on the multi-thread build', async () => {
        const server = await startStaticServer({ '/': dist, '/model.gguf': modelPath });
        try {
          const { result, errors, context } = await runInPage(browser, server.url, server.misses);
          assertMultiThreadText(result, context);
          assert.deepEqual(server.misses, [], 'every script and wasm came from the bundle');
          assert.deepEqual(errors, []);
          texts.push(result.text);
        } finally {
          await server.close();
        }
      });

      test('vite dev server: the same app runs unbundled through Vite', async () => {
        const { createServer, createLogger } = await import('vite');
        const viteLog = [];
        const recordingLogger = (lines) => {
          const logger = createLogger('error');
          for (const level of ['info', 'warn', 'error']) {
            const print = logger[level].bind(logger);
            logger[level] = (message, options) => {
              if (!/externalized for browser compatibility/.test(message)) lines.push(`${level}: ${message}`);
              if (level === 'error') print(message, options);
            };
          }
          return logger;
        };
        const server = await createServer({
          root: app,
          configFile: false,
          // Kept for a failure's message: a dev server may reload the page (dependencies
          // re-optimized), which would look like a page that never answers.
          customLogger: recordingLogger(viteLog),
          server: { host: '127.0.0.1', port: 0, headers: ISOLATION, fs: { strict: true, allow: [app] } },
          plugins: [{
            name: 'test-model',
            configureServer: (s) => { s.middlewares.use(staticRoutes({ '/model.gguf': modelPath })); },
          }],
        });
        await server.listen();
        try {
          const base = server.resolvedUrls.local[0].replace(/\/$/, '');
          const { result, errors, context } = await runInPage(browser, base, [], () => viteLog);
          assertMultiThreadText(result, context);
          assert.deepEqual(errors, []);
          texts.push(result.text);
        } finally {
          await server.close();
        }
      });
    });
  }

  test('every browser and both ways give the same greedy text', () => {
    assert.ok(texts.every((t) => t === texts[0]), JSON.stringify(texts));
  });
});
