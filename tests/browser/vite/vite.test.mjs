// The npm package through a bundler: a minimal app that imports 'smollm-wasm' (linked into its
// node_modules as npm links a file: dependency) is built with Vite's JS API into a temporary
// directory, the dist is served from 127.0.0.1 with COOP/COEP, and headless Chromium loads a
// writer-generated model in the package's Web Worker and generates. Every worker, wasm and
// pthread script must come out of the bundle (the server has nothing else), and the isolated
// page must run the multi-thread build. The same app then runs from Vite's dev server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { ROOT, syntheticModel } from '../../js/package/support/models.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH as CHROMIUM } from '../browsers.mjs';

const MIME = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

function missingPrerequisite() {
  if (!existsSync(join(ROOT, 'node_modules/vite'))) return 'vite is not installed (npm install at the repository root)';
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is not installed (apt-get install chromium)`;
  for (const build of ['smollm-mt', 'smollm-st']) {
    if (!existsSync(join(ROOT, `js/wasm/${build}.wasm`))) return `js/wasm/${build}.wasm is missing: build the wasm modules first`;
  }
  return null;
}

const skip = missingPrerequisite();
if (skip) console.log(`skipping the Vite test: ${skip}`);

const INDEX_HTML = `<!doctype html><meta charset="utf-8"><title>smollm-wasm from Vite</title><link rel="icon" href="data:,">
<script type="module" src="./main.js"></script>`;

// What a user's app would write: the bare package name, nothing about workers or wasm.
const MAIN_JS = `import { SmolLM } from 'smollm-wasm';
window.runModel = async (url) => {
  const llm = await SmolLM.load(url, { threads: 2, contextSize: 128 });
  let text = '';
  for await (const piece of llm.generate('ab', { maxTokens: 8, temperature: 0, ignoreEos: true })) text += piece.text;
  // The chat template renders in the engine's worker, which imports the template engine itself.
  const prompt = await llm.applyChatTemplate([{ role: 'user', content: 'hi' }]);
  const { build, threads, buildReason } = llm.info;
  await llm.unload();
  return { text, prompt, build, threads, buildReason, isolated: self.crossOriginIsolated };
};
window.ready = true;
`;

// An app directory with the package linked in as npm links a file: dependency.
function writeApp(dir) {
  writeFileSync(join(dir, 'index.html'), INDEX_HTML);
  writeFileSync(join(dir, 'main.js'), MAIN_JS);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: 'vite-app', private: true, type: 'module', dependencies: { 'smollm-wasm': `file:${join(ROOT, 'js')}` },
  }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(ROOT, 'js'), join(dir, 'node_modules/smollm-wasm'), 'dir');
}

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

async function sendModel(res, modelPath) {
  const body = await readFile(modelPath);
  res.writeHead(200, { ...ISOLATION, 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.end(body);
}

// Serves only the dist and the model, with cross-origin isolation; records every miss.
async function serveDist(dist, modelPath, misses) {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://127.0.0.1').pathname;
    if (path === '/model.gguf') {
      await sendModel(res, modelPath);
      return;
    }
    const file = normalize(join(dist, path === '/' ? 'index.html' : decodeURIComponent(path)));
    try {
      if (file.startsWith(dist) && (await stat(file)).isFile()) {
        res.writeHead(200, { ...ISOLATION, 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
        res.end(await readFile(file));
        return;
      }
    } catch { /* a miss, below */ }
    misses.push(path);
    res.writeHead(404, ISOLATION);
    res.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

// Opens `base` in a new page and runs the app's runModel on its /model.gguf.
async function runInPage(browser, base, misses) {
  const page = await browser.newPage();
  const errors = [];
  const log = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { (m.type() === 'error' ? errors : log).push(m.text()); });
  const context = () => `errors: ${errors.join(' | ') || 'none'}; misses: ${misses.join(', ') || 'none'}; console: ${log.slice(-20).join(' | ')}`;
  await page.goto(`${base}/`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
  // A page that never answers (a worker that failed to start) fails here with what it logged.
  let timer;
  const result = await Promise.race([
    // Rethrown with its message: the driver reports a thrown error by its name alone.
    page.evaluate((u) => window.runModel(u).catch((e) => { throw new Error(`${e.name}: ${e.message}`); }), `${base}/model.gguf`),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer in 60 s; ${context()}`)), 60000); }),
  ]).finally(() => clearTimeout(timer));
  await page.close();
  return { result, errors, context };
}

function assertMultiThreadText(result, context) {
  assert.equal(result.isolated, true, context());
  assert.equal(result.build, 'multi-thread', `${result.buildReason}; ${context()}`);
  assert.equal(result.threads, 2, context());
  assert.ok(result.text.length > 0, `generated text: ${JSON.stringify(result.text)}; ${context()}`);
  assert.match(result.prompt, /hi/, `chat prompt rendered in the worker; ${context()}`);
}

describe('smollm-wasm bundled by Vite', { skip: skip ?? false }, () => {
  let dir;
  let browser;
  let modelPath;
  const closers = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smollm-vite-'));
    mkdirSync(join(dir, 'app'));
    writeApp(join(dir, 'app'));
    modelPath = syntheticModel();
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    });
  });

  after(async () => {
    await browser?.close();
    for (const close of closers) await close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('vite build: the bundle loads a model in Chromium on the multi-thread build', async () => {
    const { build } = await import('vite');
    await build({
      root: join(dir, 'app'),
      configFile: false,
      // The Emscripten glue names Node built-ins behind runtime checks; Vite's notes that it
      // stubs them for the browser are expected, so only errors are printed.
      logLevel: 'error',
      build: { outDir: join(dir, 'dist'), emptyOutDir: true },
    });
    const assets = readdirSync(join(dir, 'dist/assets'));
    for (const name of ['smollm-mt', 'smollm-st']) {
      assert.ok(assets.some((f) => f.startsWith(name) && f.endsWith('.wasm')), `${name}.wasm is emitted: ${assets.join(', ')}`);
    }
    const misses = [];
    const server = await serveDist(join(dir, 'dist'), modelPath, misses);
    closers.push(server.close);
    const { result, errors, context } = await runInPage(browser, server.url, misses);
    assertMultiThreadText(result, context);
    assert.deepEqual(misses, [], 'every script and wasm came from the bundle');
    assert.deepEqual(errors, []);
  });

  test('vite dev server: the same app runs unbundled through Vite', async () => {
    const { createServer: createViteServer } = await import('vite');
    const server = await createViteServer({
      root: join(dir, 'app'),
      configFile: false,
      logLevel: 'error',
      // The package is linked from the repository, outside the app's root.
      server: { host: '127.0.0.1', port: 0, headers: ISOLATION, fs: { allow: [join(dir, 'app'), ROOT] } },
      plugins: [{
        name: 'test-model',
        configureServer: (s) => { s.middlewares.use('/model.gguf', (req, res) => { sendModel(res, modelPath); }); },
      }],
    });
    await server.listen();
    closers.push(() => server.close());
    const base = server.resolvedUrls.local[0].replace(/\/$/, '');
    const { result, errors, context } = await runInPage(browser, base, []);
    assertMultiThreadText(result, context);
    assert.deepEqual(errors, []);
  });
});
