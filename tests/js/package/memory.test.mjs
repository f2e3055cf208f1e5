// Peak wasm memory while loading: at most file + KV cache + 64 MiB (issue 6). The loader
// grows memory once, to the plan read from the header, before the weights arrive; the
// engine's own allocations must then fit in it. Emscripten's default growth (+20%, up to
// 96 MB past what was asked) is what broke the budget for 1.7B models, so the test also
// checks that the memory was reserved before the engine allocated its KV cache and that
// loading the engine did not grow it again (which would mean plan_memory under-counts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { LocalEngine } from '../../../js/src/engine/local-engine.js';
import { haveShared, smolModel, syntheticModel } from './support/models.mjs';

const MiB = 2 ** 20;
const OVERHEAD_BUDGET = 64 * MiB;

function kvCacheBytes(info) {
  const m = info.metadata;
  const heads = Number(m['llama.attention.head_count']);
  const kvDim = (Number(m['llama.embedding_length']) / heads) * Number(m['llama.attention.head_count_kv']);
  return 2 * Number(m['llama.block_count']) * info.contextSize * kvDim * 2;   // K and V, f16
}

// Loads `path` and samples the wasm memory size when the file is in memory (the "prepare"
// phase starts, before the engine is built), after the load and after a generation.
async function measure(path, options) {
  const engine = new LocalEngine();
  let beforeEngine = null;
  // memoryUsage() reads the size synchronously when called; the promise only carries it.
  const sample = () => engine.memoryUsage();
  const info = await engine.load(path, { cache: false, ...options }, {
    onProgress: (p) => { if (p.phase === 'prepare' && p.loaded === 0) beforeEngine = sample(); },
  });
  const afterLoad = (await sample()).wasmBytes;
  await engine.generate({ prompt: 'hello there', maxTokens: 8, temperature: 0, ignoreEos: true });
  const afterGenerate = (await sample()).wasmBytes;
  await engine.unload();
  const file = statSync(path).size;
  const kv = kvCacheBytes(info);
  return { file, kv, budget: file + kv + OVERHEAD_BUDGET, beforeEngine: (await beforeEngine).wasmBytes, afterLoad, afterGenerate };
}

function describeFigures(m) {
  const f = (x) => `${(x / MiB).toFixed(1)} MiB`;
  return `file ${f(m.file)}, KV ${f(m.kv)}, budget ${f(m.budget)}; memory before the engine ${f(m.beforeEngine)}, ` +
    `after load ${f(m.afterLoad)}, after generating ${f(m.afterGenerate)}`;
}

const cases = [
  // Real SmolLM2 vocabulary (49,152 tokens and merges): the tokenizer tables are the largest
  // part of the engine's own memory for small models.
  { name: 'SmolLM2 tokenizer, q8_0, 2 threads', skip: !haveShared && '../shared/smollm2/tokenizer.json is absent',
    path: () => smolModel({ dim: 512, ffn: 1536, heads: 8, kvHeads: 8, type: 'q8_0' }), options: { threads: 2, contextSize: 2048 } },
  { name: 'synthetic vocabulary, f32, single-thread build', skip: false,
    path: () => syntheticModel({ dim: 512, ffn: 1536, layers: 4, heads: 8, kvHeads: 8 }),
    options: { build: 'single-thread', contextSize: 2048 } },
];

describe('peak wasm memory while loading', () => {
  for (const c of cases) {
    test(`<= file + KV cache + 64 MiB, reserved once from the header (${c.name})`, { skip: c.skip }, async () => {
      const m = await measure(c.path(), c.options);
      const figures = describeFigures(m);
      assert.ok(m.afterGenerate <= m.budget, `over budget: ${figures}`);
      assert.ok(m.beforeEngine >= m.file + m.kv,
        `memory was not reserved from the header before the engine allocated its KV cache: ${figures}`);
      assert.equal(m.afterLoad, m.beforeEngine,
        `building the engine grew memory past the plan reserved from the header (plan_memory under-counts): ${figures}`);
      assert.equal(m.afterGenerate, m.afterLoad, `generating grew memory: ${figures}`);
    });
  }
});

// Engines on this thread (worker: false) come and go with nothing left behind. The module
// Emscripten builds for Node used to register process-wide 'uncaughtException' and
// 'unhandledRejection' handlers at every instantiation, whose closures held that module, its
// whole wasm memory included, for the life of the process (+31 MiB a load of tiny-py, and
// Node's MaxListenersExceededWarning from the eleventh load on).
describe('engines on this thread, loaded and unloaded again and again', () => {
  const CYCLES = 8;
  const WARM = 2;   // cycles that warm up code and caches before RSS is compared
  test(`${CYCLES} cycles: no process listener added, memory back after each unload`, async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    const path = syntheticModel({ dim: 256, ffn: 768, layers: 2, heads: 4, kvHeads: 4 });
    const listeners = () => ['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
    const before = listeners();
    const rss = [];
    let engineBytes = 0;
    for (let i = 0; i < CYCLES; ++i) {
      const engine = new LocalEngine();
      await engine.load(path, { cache: false, contextSize: 512, build: 'single-thread' });
      await engine.generate({ prompt: 'hello there', maxTokens: 4, temperature: 0, ignoreEos: true });
      engineBytes = (await engine.memoryUsage()).wasmBytes;
      await engine.unload();
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
      gc();
      rss.push(process.memoryUsage().rss);
    }
    assert.deepEqual(listeners(), before, 'process listeners added by the engines');
    // After the warm-up a kept module would add its touched memory every cycle (10-15 MiB of
    // this one's 32), so by the last two cycles it is 40 MiB or more. One RSS sample, read right
    // after a GC, can carry a transient that the next no longer has: +15-25 MiB in single
    // cycles beside four CPU spinners (and 93 -> 119 MiB on the very last one in a CI run),
    // with or without V8's concurrent array-buffer sweeping. The smaller of the last two
    // samples keeps a real leak and drops such a spike.
    const grown = Math.min(rss.at(-1), rss.at(-2)) - rss[WARM];
    const trace = `RSS after each unload (MiB): ${rss.map((b) => (b / MiB).toFixed(0)).join(' ')}; one engine's wasm memory ${(engineBytes / MiB).toFixed(0)} MiB`;
    assert.ok(grown < engineBytes, `RSS grew ${(grown / MiB).toFixed(0)} MiB over ${CYCLES - 1 - WARM} cycles: ${trace}`);
  });
});
