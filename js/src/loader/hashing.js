// The caller's SHA-256 of each model file (LoadOptions.sha256), checked by the engine's
// incremental hasher over the bytes as they land in wasm memory: WebCrypto hashes only whole
// buffers, and a whole-file copy is what the loader exists to avoid.
import { InvalidArgumentError, InvalidModelError } from '../errors.js';
import { CachedEntryCorrupt } from '../cache/entry-corrupt.js';

/** @typedef {import('../wasm-module-types.js').SmolLMModule} SmolLMModule */
/** @typedef {import('../wasm-module-types.js').WasmSha256} WasmSha256 */

const HEX_DIGEST = /^[0-9a-f]{64}$/;

/**
 * LoadOptions.sha256 (one hex digest, or one per split part) as a list with one entry per
 * part (null: no check), lower-cased.
 * @param {unknown} sha256 what the caller passed (checked here)
 * @param {number} partCount
 * @returns {Array<string | null>}
 */
export function expectedDigests(sha256, partCount) {
  if (sha256 === undefined || sha256 === null) return new Array(partCount).fill(null);
  const list = (Array.isArray(sha256) ? sha256 : [sha256]).map((d) => (typeof d === 'string' ? d.trim().toLowerCase() : d));
  if (list.length !== partCount) {
    throw new InvalidArgumentError(`sha256 gives ${list.length} digest(s) but the model has ${partCount} file(s): give one per file, in order`);
  }
  return list.map((d) => {
    if (typeof d !== 'string' || !HEX_DIGEST.test(d)) {
      throw new InvalidArgumentError(`sha256 must be a SHA-256 digest as 64 hex digits, got ${JSON.stringify(d)}`);
    }
    return d;
  });
}

/** One file's hash, fed with the ranges of wasm memory its bytes landed in, in file order. */
export class PartHasher {
  /** @type {WasmSha256} */
  #hash;

  /**
   * Holds an engine object: delete() it when done.
   * @param {SmolLMModule} module
   * @param {string} expected the digest the caller gave, lower-case hex
   */
  constructor(module, expected) {
    this.expected = expected;
    this.#hash = new module.Sha256();
  }

  /**
   * @param {number} address where the bytes are in wasm memory
   * @param {number} n
   */
  update(address, n) {
    if (n > 0) this.#hash.update(address, n);
  }

  /** Starts over (the source restarted from byte 0). */
  reset() {
    this.#hash.reset();
  }

  /**
   * Throws when the bytes hashed are not the file the caller named: CachedEntryCorrupt for
   * the offline cache's copy (the loader deletes it and downloads the file again), else
   * InvalidModelError.
   * @param {string} name
   * @param {number} bytes how many bytes were hashed (for the message)
   * @param {boolean} cached whether they came from the offline cache
   */
  verify(name, bytes, cached) {
    const actual = this.#hash.finishHex();
    if (actual === this.expected) return;
    const message = `SHA-256 mismatch for ${name}: expected ${this.expected}, got ${actual} ` +
      `(${bytes} bytes${cached ? ', read from the offline cache' : ''})`;
    throw cached ? new CachedEntryCorrupt(message, 'it failed its SHA-256 check') : new InvalidModelError(message);
  }

  delete() {
    this.#hash.delete();
  }
}
