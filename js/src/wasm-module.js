// Creates the Emscripten module of the chosen build. In browsers the single-thread module
// finds its .wasm itself, through the `new URL('x', import.meta.url)` forms Emscripten writes
// for ES module output: those resolve relative to the module's own URL, and bundlers (Vite,
// webpack, Rollup) recognise them and emit the files next to the bundle. The multi-thread
// module's pool workers get their scripts as Blob URLs instead (pthread-start.js says why):
// the worker script from its text, a module of the package (js/scripts/worker-text.mjs), the
// main script fetched from the URL below, written out in the same form so that bundlers emit
// it too (one they inline as a data: URL is fetched all the same). Node reads the .wasm itself
// and starts its pthreads from a CommonJS shim.
//
// Each thread build comes in two SIMD kinds: simd128, and relaxed (built with LLVM 19 and
// -mrelaxed-simd; same API, bit-identical logits, faster k-quant kernels). A package built
// without LLVM 19 has no relaxed files, so the relaxed kind is only an option on top.
import { InvalidArgumentError, ThreadStartError } from './errors.js';
import { isNode } from './platform.js';
import { createdByPage } from './engine/pool-workers-engine.js';
import { browserPoolOptions, watchPoolStart } from './pthread-start.js';
import { checkSimdChoice, relaxedSimdSupport } from './simd-support.js';

/** @typedef {import('./wasm-module-types.js').SmolLMModule} SmolLMModule */
/** @typedef {import('./wasm-module-types.js').ModuleOptions} ModuleOptions */
/** @typedef {'multi-thread' | 'single-thread'} BuildName */
/** @typedef {'auto' | 'relaxed' | 'simd128'} SimdChoice */
/**
 * One build's files: its glue's factory, its file stem and extensions, and (multi-thread, in
 * browsers) what its pool workers are started from: the glue's and .wasm's URLs, and the
 * worker script's text.
 * @typedef {{
 *   js: () => Promise<{default: import('./wasm-module-types.js').SmolLMModuleFactory}>,
 *   name: string,
 *   files: string[],
 *   pool?: {urls: () => {glue: URL, wasm: URL}, workerText: () => Promise<{default: string}>},
 * }} BuildEntry
 */

// The import() calls are written out so that bundlers see (and emit) every build.
/** @type {Record<BuildName, {simd128: BuildEntry, relaxed: BuildEntry}>} */
const builds = {
  'multi-thread': {
    simd128: {
      js: () => import('../wasm/smollm-mt.js'), name: 'smollm-mt', files: ['js', 'wasm', 'worker.js'],
      pool: {
        urls: () => ({
          glue: new URL('../wasm/smollm-mt.js', import.meta.url),
          wasm: new URL('../wasm/smollm-mt.wasm', import.meta.url),
        }),
        workerText: () => import('../wasm/smollm-mt.worker-text.js'),
      },
    },
    relaxed: {
      js: () => import('../wasm/smollm-mt-relaxed.js'), name: 'smollm-mt-relaxed', files: ['js', 'wasm', 'worker.js'],
      pool: {
        urls: () => ({
          glue: new URL('../wasm/smollm-mt-relaxed.js', import.meta.url),
          wasm: new URL('../wasm/smollm-mt-relaxed.wasm', import.meta.url),
        }),
        workerText: () => import('../wasm/smollm-mt-relaxed.worker-text.js'),
      },
    },
  },
  'single-thread': {
    simd128: { js: () => import('../wasm/smollm-st.js'), name: 'smollm-st', files: ['js', 'wasm'] },
    relaxed: { js: () => import('../wasm/smollm-st-relaxed.js'), name: 'smollm-st-relaxed', files: ['js', 'wasm'] },
  },
};

// Files of the wasm folder, for Node only: built from the folder's URL so that bundlers do
// not take them for assets of a browser build.
/** @param {string} file */
function wasmFile(file) {
  return new URL(file, new URL('../wasm/', import.meta.url));
}

// Node 20's global fetch makes this Emscripten's loader believe it runs in a browser, so Node
// reads the .wasm itself and hands it over as wasmBinary.
/** @param {URL} url */
async function nodeWasmBinary(url) {
  const { readFile } = await import('node:fs/promises');
  return readFile(url);
}

// The Emscripten runtime of this version uses CommonJS globals under Node even in its ES
// module output; give it those before the module is evaluated.
async function provideNodeGlobals() {
  const scope = /** @type {{require?: NodeJS.Require, __dirname?: string}} */ (globalThis);
  if (scope.require && scope.__dirname) return;
  const { createRequire } = await import('node:module');
  const { fileURLToPath } = await import('node:url');
  scope.require ??= createRequire(import.meta.url);
  scope.__dirname ??= fileURLToPath(new URL('../wasm/', import.meta.url));
}

// Options only Node needs: the .wasm bytes, and the pthread worker script (Emscripten's own
// uses browser globals).
/**
 * @param {BuildEntry} entry
 * @returns {Promise<ModuleOptions>}
 */
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

// Files of `entry` missing from the wasm folder (Node only).
/** @param {BuildEntry} entry */
async function missingFiles(entry) {
  const { existsSync } = await import('node:fs');
  return entry.files.map((ext) => `${entry.name}.${ext}`).filter((file) => !existsSync(wasmFile(file)));
}

// Options of the platform: Node's, or in browsers the multi-thread build's Blob URLs.
/**
 * @param {BuildEntry} entry
 * @returns {Promise<{options: ModuleOptions, release: () => void}>}
 */
async function platformOptions(entry) {
  if (isNode) return { options: await nodeOptions(entry), release: () => {} };
  if (entry.pool) return browserPoolOptions(entry.pool.urls(), (await entry.pool.workerText()).default);
  return { options: {}, release: () => {} };
}

/**
 * @param {BuildEntry} entry
 * @param {number} threads
 * @returns {Promise<SmolLMModule>}
 */
async function instantiate(entry, threads) {
  const platform = await platformOptions(entry);
  try {
    const { default: factory } = await entry.js();
    /** @type {ModuleOptions} */
    const Module = {
      // At least one: this runtime only finishes starting once every pool Worker has loaded,
      // and with none it would wait forever.
      pthreadPoolSize: Math.max(1, threads - 1),
      print: () => {},
      printErr: (text) => { if (/** @type {{SMOLLM_WASM_DEBUG?: unknown}} */ (globalThis).SMOLLM_WASM_DEBUG) console.error(text); },
      ...platform.options,
    };
    if (!entry.pool) return await factory(Module);
    // The factory fills Module (PThread and its pool Workers included) before it returns.
    let ready;
    try {
      // In the engine worker the page creates the pool Workers (pool-workers-page.js says why);
      // where the page sent no pool port (Node, an engine on the page's thread) the glue does.
      ready = createdByPage(() => factory(Module));
    } catch (error) {
      // A browser may refuse a pool Worker at once (a SecurityError) instead of by an event.
      throw new ThreadStartError(`the multi-thread build could not create its pthread workers: ${errorText(error)}`);
    }
    return await watchPoolStart(Module, ready);
  } finally {
    platform.release();
  }
}

/** @param {unknown} error */
function errorText(error) {
  return error instanceof Error ? error.message : String(error);
}

// The relaxed build of `build`, or why not. Throws when the caller asked for it and it cannot
// be had; otherwise the reason goes into ModelInfo.simdReason.
/**
 * @param {BuildName} build
 * @param {SimdChoice} requested
 * @returns {Promise<{entry: BuildEntry | null, reason: string}>}
 */
async function relaxedEntry(build, requested) {
  const entry = builds[build].relaxed;
  /** @param {string} why */
  const refuse = (why) => {
    if (requested === 'relaxed') throw new InvalidArgumentError(`simd: 'relaxed' cannot be used: ${why}`);
    return { entry: null, reason: why };
  };
  const support = relaxedSimdSupport();
  if (!support.supported) return refuse(support.reason);
  if (isNode) {
    const missing = await missingFiles(entry);
    if (missing.length) {
      return refuse(`this package has no relaxed-SIMD build (${missing.join(', ')} missing: built without LLVM 19)`);
    }
  }
  return { entry, reason: requested === 'relaxed' ? 'requested by the caller' : support.reason };
}

/**
 * @param {BuildName} build
 * @param {number} threads engine threads (the caller included): the pthread pool is created
 *   up front because the engine starts its threads without returning to the event loop.
 * @param {SimdChoice} [simd] which SIMD kind; 'auto' takes relaxed when this
 *   engine runs it correctly and the files are there.
 * @returns {Promise<{module: SmolLMModule, simdReason: string, name: string}>} the module, why its SIMD kind,
 *   and the build's name (smollm-st, smollm-mt-relaxed...)
 */
export async function createModuleWithReason(build, threads, simd = 'auto') {
  checkSimdChoice(simd);
  const plain = builds[build].simd128;
  /** @param {BuildEntry} entry @param {string} simdReason */
  const made = async (entry, simdReason) => ({ module: await instantiate(entry, threads), simdReason, name: entry.name });
  if (simd === 'simd128') return made(plain, 'requested by the caller');
  const relaxed = await relaxedEntry(build, simd);
  if (!relaxed.entry) return made(plain, relaxed.reason);
  try {
    return await made(relaxed.entry, relaxed.reason);
  } catch (error) {
    // A browser deployment may lack the relaxed files (a 404 for the module or its .wasm):
    // the plain build is always there.
    const why = `the relaxed-SIMD build ${relaxed.entry.name} failed to load (${errorText(error)})`;
    if (simd === 'relaxed') throw new InvalidArgumentError(`simd: 'relaxed' cannot be used: ${why}`);
    return made(plain, `${why}: using simd128`);
  }
}

/**
 * The module alone (tools that do not report the SIMD choice).
 * @param {BuildName} build
 * @param {number} threads
 * @param {SimdChoice} [simd]
 * @returns {Promise<SmolLMModule>}
 */
export async function createModule(build, threads, simd = 'auto') {
  return (await createModuleWithReason(build, threads, simd)).module;
}
