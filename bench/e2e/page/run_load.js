// One load of our package for the load-memory pass (../load_memory.mjs): with the offline
// cache off, or on (the default: the first visit downloads and stores the model, the next
// reads it from the cache). The model stays loaded until the browser closes, so the tab's peak RSS (VmHWM)
// includes the whole model either way.
import { SmolLM } from '/js/src/index.js';

export async function run(job) {
  const phases = new Set();
  const t0 = performance.now();
  const llm = await SmolLM.load(job.modelUrl, {
    threads: job.threads,
    contextSize: job.contextSize,
    build: job.threads === 1 ? 'single-thread' : 'multi-thread',
    cache: job.cache,
    onProgress: (p) => phases.add(p.phase),
  });
  const loadMs = performance.now() - t0;
  globalThis.__benchModel = llm;
  return {
    loadMs,
    phases: [...phases],
    fileBytes: llm.info.fileBytes,
    wasmMemoryBytes: (await llm.memoryUsage()).wasmBytes,
    simd: llm.info.simd,
    storage: llm.info.storage,
  };
}
