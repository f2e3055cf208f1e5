// Allocation in the wasm module's linear memory for the loader. HEAPU8 is re-read after every
// allocation, since memory growth replaces it, and pointers are read unsigned (wasm memory
// goes up to 4 GB).
import { ModelTooLargeError, formatBytes } from '../errors.js';

/** @typedef {import('../wasm-module-types.js').SmolLMModule} SmolLMModule */

export const WASM_LIMIT = 2 ** 32;

/**
 * Allocates `bytes` of wasm memory; returns the (unsigned) address.
 * @param {Pick<SmolLMModule, '_malloc'>} module
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
