// The loader's view of the wasm module: the exports it uses (web/bindings.cpp), and
// allocation in its linear memory. HEAPU8 is re-read after every allocation, since memory
// growth replaces it, and pointers are read unsigned (wasm memory goes up to 4 GB).
import { ModelTooLargeError, formatBytes } from '../errors.js';

export const WASM_LIMIT = 2 ** 32;

/**
 * The engine's memory plan for a model (plan_memory in C++), in bytes.
 * @typedef {{fileBytes: number, kvCacheBytes: number, scratchBytes: number, totalBytes: number}} MemoryPlan
 */

/**
 * probeHeader's answer once the whole header is in the prefix. header and typeHistogram are
 * JSON text; plan is missing, and planError says why, when the engine cannot run the model.
 * @typedef {{status: 'complete', header: string, typeHistogram: string, plan?: MemoryPlan, planError?: string}} CompleteProbe
 */

/**
 * @typedef {{status: 'need_more', bytesNeeded: number} | {status: 'error', error: string} | CompleteProbe} HeaderProbeResult
 */

/**
 * The engine's incremental SHA-256 over ranges of wasm memory (an Embind object: delete() it).
 * @typedef {object} WasmSha256
 * @property {(ptr: number, size: number) => void} update
 * @property {() => string} finishHex
 * @property {() => void} reset
 * @property {() => void} delete
 */

/**
 * What the loader needs of the Emscripten module.
 * @typedef {object} LoaderModule
 * @property {Uint8Array} HEAPU8
 * @property {(bytes: number) => number} _malloc
 * @property {(ptr: number) => void} _free
 * @property {(ptr: number, available: number, fileSize: number, contextSize: number, kvF16: boolean,
 *   withTensors: boolean) => HeaderProbeResult} probeHeader
 * @property {(bytes: number) => boolean} reserveMemory grows memory once by `bytes`; false
 *   when the browser cannot
 * @property {new () => WasmSha256} Sha256
 */

/**
 * Allocates `bytes` of wasm memory; returns the (unsigned) address.
 * @param {LoaderModule} module
 * @param {number} bytes
 * @param {string} what names the buffer in the error
 * @returns {number}
 */
export function allocate(module, bytes, what) {
  // _malloc takes a 32-bit size: 2^32 + 64 would arrive as 64 and the copy write past it.
  if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes >= WASM_LIMIT) {
    throw new ModelTooLargeError(bytes, WASM_LIMIT, `${what}: ${formatBytes(bytes)} cannot be allocated in wasm memory`);
  }
  const ptr = module._malloc(bytes) >>> 0;
  if (ptr === 0) {
    throw new ModelTooLargeError(bytes, WASM_LIMIT, `${what}: malloc of ${formatBytes(bytes)} failed`);
  }
  return ptr;
}
