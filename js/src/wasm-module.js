// Creates the Emscripten module of the chosen build. In browsers the module finds its .wasm
// and its pthread worker script itself, through the `new URL('x', import.meta.url)` forms
// Emscripten writes for ES module output: those resolve relative to the module's own URL, and
// bundlers (Vite, webpack, Rollup) recognise them and emit the files next to the bundle. So
// no locateFile here: a bundler may inline a small file it sees named in our own code as a
// data: URL, and a pthread worker started from a data: URL has an opaque origin and cannot
// import the module. Node reads the .wasm itself and starts its pthreads from a CommonJS shim.
import { isNode } from './platform.js';

const builds = {
  'multi-thread': { js: () => import('../wasm/smollm-mt.js'), name: 'smollm-mt' },
  'single-thread': { js: () => import('../wasm/smollm-st.js'), name: 'smollm-st' },
};

// Files of the wasm folder, for Node only: built from the folder's URL so that bundlers do
// not take them for assets of a browser build.
function wasmFile(file) {
  return new URL(file, new URL('../wasm/', import.meta.url));
}

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

// Options only Node needs: the .wasm bytes, and the pthread worker script (Emscripten's own
// uses browser globals).
async function nodeOptions(entry) {
  await provideNodeGlobals();
  const [{ fileURLToPath }, { dirname, join }] = await Promise.all([import('node:url'), import('node:path')]);
  const pthreadWorker = join(dirname(fileURLToPath(import.meta.url)), 'node-pthread-worker.cjs');
  return {
    wasmBinary: await nodeWasmBinary(wasmFile(`${entry.name}.wasm`)),
    locateFile: (path) => (path.endsWith('.worker.js') ? pthreadWorker : path),
    // pthread workers import the main script by this URL (the shim has no module base).
    mainScriptUrlOrBlob: wasmFile(`${entry.name}.js`).href,
  };
}

/**
 * @param {'multi-thread'|'single-thread'} build
 * @param {number} threads engine threads (the caller included): the pthread pool is created
 *   up front because the engine starts its threads without returning to the event loop.
 */
export async function createModule(build, threads) {
  const entry = builds[build];
  const platformOptions = isNode ? await nodeOptions(entry) : {};
  const { default: factory } = await entry.js();
  return factory({
    // At least one: this runtime only finishes starting once every pool Worker has loaded,
    // and with none it would wait forever.
    pthreadPoolSize: Math.max(1, threads - 1),
    print: () => {},
    printErr: (text) => { if (globalThis.SMOLLM_WASM_DEBUG) console.error(text); },
    ...platformOptions,
  });
}
