// Issue 18's memory target in the browsers: the SmolLM2-1.7B-shaped file loaded with the whole
// trained context (8,192) and q8_0 keys and values, in Chromium, Firefox and WebKit (with
// SharedArrayBuffer, as Safari on an isolated page), each in a fresh browser on bench/e2e's
// page host (COOP/COEP: the multi-thread build). In each: load, answer a short prompt, then
// fill the context to `--fill` tokens and answer again, and read the package's own figures:
// peak wasm memory (the module's linear memory: it only grows), the engine's plan and its KV
// cache bytes. Target: peak wasm memory <= file + 816 MiB + 64 MiB. Decode speed is read after
// a 128-token prompt and after the `fill`-token one (the decode target: >= 60% at 4,096).
//   node bench/kvcache/browser_memory.mjs -m MODEL.gguf [--browsers chromium,firefox,webkit-sab]
//        [--context 8192] [--kv q8_0] [--fill 4096] [--threads 2] [--simd auto|relaxed|simd128]
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { browserEngine } from '../../tests/browser/browsers.mjs';
import { startBenchServer } from '../e2e/bench_server.mjs';

const { values } = parseArgs({
  options: {
    model: { type: 'string', short: 'm' },
    browsers: { type: 'string', default: 'chromium,firefox,webkit-sab' },
    context: { type: 'string', default: '8192' },
    kv: { type: 'string', default: 'q8_0' },
    fill: { type: 'string', default: '4096' },
    threads: { type: 'string', default: '2' },
    simd: { type: 'string', default: 'auto' },
  },
});
if (!values.model) throw new Error('-m MODEL.gguf is required');
const model = path.resolve(values.model);
const fileBytes = statSync(model).size;
const MiB = 2 ** 20;
const job = {
  url: `/models/${path.basename(model)}`, contextSize: Number(values.context), kvCacheType: values.kv,
  fill: Number(values.fill), threads: Number(values.threads), simd: values.simd,
};

const server = await startBenchServer(path.dirname(model));
const rows = [];
try {
  for (const name of values.browsers.split(',')) {
    const started = Date.now();
    const browser = await browserEngine(name).launch();
    let result;
    try {
      await browser.goto(`${server.url}/bench/index.html`);
      if (!(await browser.evaluate(() => crossOriginIsolated))) throw new Error(`${name}: the bench page is not cross-origin isolated`);
      result = await browser.evaluate(async (j) => {
        const { SmolLM } = await import('/js/src/index.js');
        const llm = await SmolLM.load(j.url, { threads: j.threads, contextSize: j.contextSize, kvCacheType: j.kvCacheType, simd: j.simd, cache: false });
        const answer = async (prompt, maxTokens) => {
          let text = '';
          for await (const piece of llm.generate(prompt, { temperature: 0, maxTokens, ignoreEos: true })) text += piece.text;
          return { text, stats: llm.stats };
        };
        // Prompts of 128 and `fill` tokens (issue 18's decode target compares those two depths):
        // the same sentence repeated and cut; 16 decoded tokens after each.
        const ids = await llm.tokenize('A long conversation keeps every earlier turn in the cache. '.repeat(Math.ceil(j.fill / 10)));
        const short = await answer(await llm.detokenize(ids.slice(0, 128)), 16);
        const long = await answer(await llm.detokenize(ids.slice(0, j.fill)), 16);
        const info = llm.info;
        const usage = await llm.memoryUsage();
        await llm.unload();
        return {
          build: info.build, simd: info.simd, threads: info.threads, contextSize: info.contextSize,
          kvCacheKeyType: info.kvCacheKeyType, kvCacheValueType: info.kvCacheValueType, kvCacheBytes: info.kvCacheBytes,
          engineMemoryBytes: info.memoryBytes, wasmBytes: usage.wasmBytes,
          shortText: short.text, shortPromptTokens: short.stats.promptTokens, shortDecode: short.stats.decodeTokensPerSecond,
          longPromptTokens: long.stats.promptTokens, longPrefill: long.stats.prefillTokensPerSecond, longDecode: long.stats.decodeTokensPerSecond,
        };
      }, job);
    } finally {
      await browser.close();
    }
    const targetBytes = fileBytes + 816 * MiB + 64 * MiB;
    const row = { browser: name, version: browser.version ?? null, seconds: (Date.now() - started) / 1000, ...result, targetBytes, met: result.wasmBytes <= targetBytes };
    console.log(JSON.stringify(row));
    rows.push(row);
  }
} finally {
  await server.close();
}

console.log(`\nFile ${(fileBytes / MiB).toFixed(0)} MiB; target: peak wasm memory <= file + 816 + 64 = ${((fileBytes / MiB) + 880).toFixed(0)} MiB.\n`);
console.log('| browser | build | context | K / V | KV cache | engine plan | peak wasm memory | target met | answers | prefill of the long prompt | decode after short / long prompt |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.browser} | ${r.build} (${r.simd}, ${r.threads}t) | ${r.contextSize} | ${r.kvCacheKeyType} / ${r.kvCacheValueType} | ` +
    `${(r.kvCacheBytes / MiB).toFixed(0)} MiB | ${(r.engineMemoryBytes / MiB).toFixed(0)} MiB | ${(r.wasmBytes / MiB).toFixed(0)} MiB | ` +
    `${r.met ? 'yes' : 'NO'} | ${JSON.stringify(r.shortText)} | ${r.longPromptTokens} tokens, ${r.longPrefill.toFixed(2)} tok/s | ` +
    `${r.shortDecode.toFixed(2)} (${r.shortPromptTokens} tokens) / ${r.longDecode.toFixed(2)} tok/s (${(100 * r.longDecode / r.shortDecode).toFixed(1)}%) |`);
}
