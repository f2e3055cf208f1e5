// Loads a model again and again in one browser page (engine on the page's thread, each load a
// fresh wasm instance) and counts the loads that fail, naming a crash's wasm functions from
// this checkout's symbol maps (tools/wasm-frames.mjs). A fault that shows once in a few
// hundred loads, and only on a busy machine, is found here in minutes, where the CI suites
// load a model a few dozen times per run. Run beside a CPU spinner to load the machine:
//   timeout 600 sh -c 'while :; do :; done' &
//   node bench/reliability/load_loop.mjs --browser webkit --rounds 600 [--model PATH] [--generate]
//        [--threads N]   (default 2; 3 or more at once also runs the pool's start-up probe)
//        [--wasm-osr on|off]   (WebKit: JavaScriptCore's loop OSR, default on; see tests/browser/webkit.mjs)
// Found with it (2026-12-04, WebKitGTK 2.50, 2-core VM, one spinner): "Out of bounds memory
// access" in memcmp called from Vocab::detect_special_tokens, in 4-5 of 600 loads of
// tiny-py-Q4_K_M (single-thread build); 0 of 600 with JSC_useWasmOSR=0 (JavaScriptCore's
// loop on-stack replacement off), and 0 of 600 (0 of 500 multi-thread) once that function
// looked its texts up instead of scanning the vocabulary (src/text/vocab.cpp).
// Exit status: 1 when any load failed.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { SHARED } from '../../tests/js/package/support/models.mjs';
import { IMPORT_MAP, PACKAGE_ROUTES } from '../../tests/support/package-routes.mjs';
import { listen, staticRoutes } from '../../tests/support/static-server.mjs';
import { browserEngine } from '../../tests/browser/browsers.mjs';
import { symbolizeCrash } from '../../tools/wasm-frames.mjs';

const { values } = parseArgs({
  options: {
    browser: { type: 'string', default: 'webkit' },
    rounds: { type: 'string', default: '300' },
    model: { type: 'string', default: join(SHARED, 'golden/models/tiny-py-Q4_K_M.gguf') },
    generate: { type: 'boolean', default: false },
    threads: { type: 'string', default: '2' },
    // WebKit: JavaScriptCore's wasm loop OSR on (as users have it) or off (as the suites run).
    'wasm-osr': { type: 'string', default: 'on' },
  },
});
const rounds = Number(values.rounds);

const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
${IMPORT_MAP}
<script type="module">
  import { SmolLM } from '/js/src/index.js';
  window.loadOnce = async (url, generate, threads) => {
    try {
      const llm = await SmolLM.load(url, { threads, contextSize: 256, worker: false });
      let text = '';
      if (generate) {
        for await (const piece of llm.generate('def main():', { maxTokens: 16, temperature: 0, ignoreEos: true })) text += piece.text;
      }
      const { build } = llm.info;
      await llm.unload();
      return { ok: true, build, text };
    } catch (error) {
      return { ok: false, error: String(error && error.message || error) };
    }
  };
  window.ready = true;
</script>`;

const routes = { '/': { body: PAGE, type: 'text/html' }, '/model.gguf': values.model };
for (const [prefix, dir] of Object.entries(PACKAGE_ROUTES)) routes[prefix] = { path: dir };
const server = await listen(staticRoutes(routes, { isolated: true }));
const browser = await browserEngine(values.browser).launch({ wasmOsr: values['wasm-osr'] !== 'off' });
let failed = 0;
let build = '';
const started = Date.now();
try {
  for (let r = 0; r < rounds; ++r) {
    // A fresh page now and then, so that the page's own garbage does not pile up: WebKitGTK
    // 2.50 failed the 25th engine of one page with "RangeError: Out of memory" (8 of 1200
    // loads, each the 25th since the page opened; its collector had not yet freed the unloaded
    // engines' memories), which is not what this loop looks for.
    if (r % 20 === 0) {
      await browser.goto(`${server.url}/`);
      await browser.waitFor(() => window.ready === true, undefined, 30000);
    }
    const out = await browser.evaluate(([u, g, t]) => window.loadOnce(u, g, t), [`${server.url}/model.gguf`, values.generate, Number(values.threads)]);
    if (out.ok) {
      build = out.build;
      continue;
    }
    failed += 1;
    console.log(`load ${r}: ${out.error}`);
    const frames = symbolizeCrash(out.error);
    if (frames) console.log(frames);
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(`${values.browser} (${build}): ${failed} of ${rounds} loads failed, ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exitCode = failed ? 1 : 0;
