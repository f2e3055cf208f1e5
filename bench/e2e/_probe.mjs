import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';
const srv = await startServer({
  '/wllama/': 'node_modules/@wllama/wllama/esm/',
  '/bench/': 'bench/e2e/page/',
  '/models/': '/work/shared/golden/models/',
});
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless=new','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
const page = await browser.newPage();
page.on('console', m => console.log('[page]', m.text().slice(0, 300)));
page.on('pageerror', e => console.log('[pageerror]', e));
await page.goto(srv.origin + '/bench/index.html');
console.log(await page.evaluate(() => crossOriginIsolated));
const r = await page.evaluate(async () => {
  const { Wllama } = await import('/wllama/index.js');
  const w = new Wllama({ default: '/wllama/wasm/wllama.wasm' });
  const t = performance.now();
  await w.loadModelFromUrl('/models/tiny-a-Q4_K_M.gguf', { n_ctx: 2048, n_threads: 2, n_gpu_layers: 0, n_parallel: 1, useCache: false });
  const out = { load: performance.now() - t, mt: w.isMultithread(), th: w.getNumThreads() };
  let last;
  try {
    await w.createCompletion({ prompt: [260, 284, 327, 338], max_tokens: 4, temperature: 0, cache_prompt: false, stream: true, onData: c => last = c });
    out.ids = last;
  } catch (e) { out.idsErr = String(e); }
  await w.createCompletion({ prompt: ' the and for that', max_tokens: 4, temperature: 0, cache_prompt: false, stream: true, onData: c => last = c });
  out.str = last;
  return out;
});
console.log(JSON.stringify(r).slice(0,200));
for (const wk of page.workers()) console.log('worker', wk.url().slice(-12), JSON.stringify(await wk.evaluate(() => { const o = {}; for (const n of ['Module','wasmMemory','HEAPU8','HEAP8']) { try { o[n] = eval('typeof ' + n); } catch (e) { o[n] = String(e); } } try { o.keys = Object.keys(Module).filter(k => /mem|HEAP/i.test(k)); } catch {} try { o.wm = wasmMemory.buffer.byteLength } catch {} try { o.h = HEAPU8.buffer.byteLength } catch {} try { o.mh = Module.HEAPU8.buffer.byteLength } catch {} o.g = Object.getOwnPropertyNames(globalThis).filter(k => /mem|HEAP|wllama|Module/i.test(k)); return o; }).catch(e => String(e).slice(0,80))));
await browser.close(); await srv.close();
