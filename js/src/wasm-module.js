// Creates the Emscripten module of the chosen build. Worker and wasm URLs resolve relative to
// this file (static `new URL(..., import.meta.url)` forms, which bundlers such as Vite follow).
import { isNode } from './platform.js';

const builds = {
  'multi-thread': {
    js: () => import('../wasm/smollm-mt.js'),
    url: new URL('../wasm/smollm-mt.js', import.meta.url),
    wasm: new URL('../wasm/smollm-mt.wasm', import.meta.url),
    worker: new URL('../wasm/smollm-mt.worker.js', import.meta.url),
  },
  'single-thread': {
    js: () => import('../wasm/smollm-st.js'),
    url: new URL('../wasm/smollm-st.js', import.meta.url),
    wasm: new URL('../wasm/smollm-st.wasm', import.meta.url),
    worker: null,
  },
};

// Node 20's global fetch makes this Emscripten's loader believe it runs in a browser, so Node
// reads the .wasm itself and hands it over as wasmBinary.
async function nodeWasmBinary(url) {
  const { readFile } = await import('node:fs/promises');
  return readFile(url);
}

// The Emscripten runtime of this version uses CommonJS globals under Node even in its ES
// module output; give it those before the module is evaluated.
async function provideNodeGlobals() {
  if (globalThis.require && globalThis.__dirname) return;
  const { createRequire } = await import('node:module');
  const { fileURLToPath } = await import('node:url');
  globalThis.require ??= createRequire(import.meta.url);
  globalThis.__dirname ??= fileURLToPath(new URL('../wasm/', import.meta.url));
}

const nodePthreadWorker = new URL('./node-pthread-worker.cjs', import.meta.url);

/**
 * @param {'multi-thread'|'single-thread'} build
 * @param {number} threads engine threads (the caller included): the pthread pool is created
 *   up front because the engine starts its threads without returning to the event loop.
 */
export async function createModule(build, threads) {
  const entry = builds[build];
  if (isNode) await provideNodeGlobals();
  const { default: factory } = await entry.js();
  const options = {
    // At least one: this runtime only finishes starting once every pool Worker has loaded,
    // and with none it would wait forever.
    pthreadPoolSize: Math.max(1, threads - 1),
    // pthread workers import the main script by this URL (absolute, so it works from any base).
    mainScriptUrlOrBlob: entry.url.href,
    locateFile: (path) => {
      if (path.endsWith('.wasm')) return isNode ? decodeURIComponent(entry.wasm.pathname) : entry.wasm.href;
      if (path.endsWith('.worker.js')) return isNode ? decodeURIComponent(nodePthreadWorker.pathname) : entry.worker.href;
      return path;
    },
    print: () => {},
    printErr: (text) => { if (globalThis.SMOLLM_WASM_DEBUG) console.error(text); },
  };
  if (isNode) options.wasmBinary = await nodeWasmBinary(entry.wasm);
  return factory(options);
}
