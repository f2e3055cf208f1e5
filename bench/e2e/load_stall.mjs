// Counts loads that never finish: one page in headless Firefox ESR, launched as the tests
// launch it (tests/browser/browsers.mjs: puppeteer-core over WebDriver BiDi), loads a model on the multi-thread build again and
// again, unloading each, and calls a load that has not settled within --stall-s seconds a
// stall. Run it beside busy processes (--busy N spins N of them) to see what a loaded CI
// machine sees. This found Firefox stopping inside `new Worker()` called in the engine's worker
// (js/src/engine/pool-workers-page.js).
//
//   node bench/e2e/load_stall.mjs [--model FILE] [--loads 250] [--busy 2] [--stall-s 10]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { browserEngine } from '../../tests/browser/browsers.mjs';
import { listen, staticRoutes } from '../../tests/support/static-server.mjs';
import { startSpinner } from './spinner.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: path.join(ROOT, '../shared/golden/models/tiny-py-Q4_K_M.gguf') },
    loads: { type: 'string', default: '250' },
    busy: { type: 'string', default: '2' },
    'stall-s': { type: 'string', default: '10' },
  },
});

const PAGE = `<!doctype html><meta charset="utf-8"><title>load stall probe</title><link rel="icon" href="data:,">
<script type="module">
  import { SmolLM } from '/js/src/index.js';
  window.loadOnce = async (stallMs) => {
    const t0 = performance.now();
    const load = SmolLM.load('/model.gguf', { threads: 2, contextSize: 64, cache: false, build: 'multi-thread' });
    const outcome = await Promise.race([
      load.then((llm) => llm.unload().then(() => 'loaded'), (e) => 'error: ' + e.message),
      new Promise((resolve) => setTimeout(() => resolve('stall'), stallMs)),
    ]);
    return { outcome, ms: performance.now() - t0 };
  };
</script>`;

const routes = staticRoutes({
  '/': { body: PAGE, type: 'text/html' },
  '/js/': path.join(ROOT, 'js'),
  '/model.gguf': path.resolve(values.model),
});
const server = await listen(routes);
const stopSpinners = Array.from({ length: Number(values.busy) }, startSpinner);
const browser = await browserEngine('firefox').launch();
const counts = { loaded: 0, stall: 0, error: 0 };
try {
  await browser.goto(server.url);
  await browser.waitFor(() => typeof window.loadOnce === 'function', null, 30000);
  for (let i = 1; i <= Number(values.loads); i++) {
    const { outcome, ms } = await browser.evaluate((s) => window.loadOnce(s), Number(values['stall-s']) * 1000);
    const kind = outcome.startsWith('error') ? 'error' : outcome;
    counts[kind] += 1;
    if (kind !== 'loaded') console.log(`load ${i}: ${outcome} after ${ms.toFixed(0)} ms`);
  }
} finally {
  await browser.close();
  for (const stop of stopSpinners) stop();
  await server.close();
}
console.log(`Firefox ESR, ${values.loads} loads of ${path.basename(values.model)} beside ${values.busy} busy process(es): ` +
  `${counts.loaded} loaded, ${counts.stall} stalled (> ${values['stall-s']} s), ${counts.error} failed`);
process.exitCode = counts.loaded === Number(values.loads) ? 0 : 1;
