// One model file's home in wasm memory: allocated once, at the size its header gives, and
// filled in file order straight from the source's chunks, so no whole-file ArrayBuffer and no
// second copy ever exists. Bytes past the end are dropped, never written past the buffer (a
// source may send padding beyond the header's alignment). The engine takes the buffer over
// (Engine.load); until then whoever holds the writer frees it on failure.
import { allocate } from './wasm-memory.js';

/** @typedef {import('../wasm-module-types.js').SmolLMModule} SmolLMModule */

export class PartWriter {
  /**
   * Allocates the buffer for a file whose tensor data ends at `expected` and of which
   * `wanted` bytes are read (partExtent in header-probe.js).
   * @param {SmolLMModule} module
   * @param {{expected: number, wanted: number}} extent
   * @param {string} name names the file in an allocation failure
   */
  constructor(module, { expected, wanted }, name) {
    this.module = module;
    this.expected = expected;
    this.size = wanted;
    this.written = 0;
    this.ptr = allocate(module, wanted, name);
  }

  /** Whether every byte of the buffer was written. */
  get full() {
    return this.written >= this.size;
  }

  /** Whether the bytes written end before the tensor data does. */
  get short() {
    return this.written < this.expected;
  }

  /**
   * Copies a chunk in after the bytes written, up to the buffer's end.
   * @param {Uint8Array} bytes
   * @returns {Uint8Array} what was written: `bytes`, or the part of it that fit
   */
  write(bytes) {
    const n = Math.min(bytes.byteLength, this.size - this.written);
    const part = n === bytes.byteLength ? bytes : bytes.subarray(0, n);
    // HEAPU8 is read afresh: memory growth (another allocation) replaces it.
    this.module.HEAPU8.set(part, this.ptr + this.written);
    this.written += n;
    return part;
  }

  /** Starts over from the file's first byte (the source restarted). */
  rewind() {
    this.written = 0;
  }

  /**
   * A copy of file bytes [from, to) from where they landed, for a cache writer that stores
   * them after they arrived (an arrow function: it is handed to the writer alone).
   * @param {number} from
   * @param {number} to
   * @returns {Uint8Array<ArrayBuffer>}
   */
  readBack = (from, to) => this.module.HEAPU8.slice(this.ptr + from, this.ptr + to);

  /** The buffer as the engine takes it. */
  done() {
    return { ptr: this.ptr, size: this.written };
  }

  free() {
    this.module._free(this.ptr);
  }
}
