// Stores one download in the offline cache as it lands in wasm memory (the stores are in
// cache/). The store takes each chunk once it is in wasm memory and either writes it before
// the loader reads on (Node's file, the browser worker's OPFS spool) or reads it back from
// wasm memory at its own pace (the browser's streamed put), so no copy of it is kept anywhere
// else (see cache/browser-cache.js). A cache that cannot be written (no storage, quota) never
// fails the load: the problem goes to onWarning and the model loads uncached.
import { EngineError, SmolLMError } from '../errors.js';
import { createWriter } from '../cache/index.js';

/** @typedef {import('../cache/index.js').CacheWriter} CacheWriter */
/** @typedef {import('../cache/index.js').ReadBack} ReadBack */

export class PartCacheWriter {
  /** @type {CacheWriter | null} */
  #writer = null;
  /** @type {{bytes: number, readBack: ReadBack} | null} what open() was given, for restart() */
  #target = null;

  /**
   * @param {string | null} url the cache key; null: the file is not to be cached
   * @param {(warning: SmolLMError) => void} onWarning
   */
  constructor(url, onWarning) {
    this.url = url;
    this.onWarning = onWarning;
  }

  /**
   * Opens the store's writer for a file of `bytes` bytes, once the loader allocated its buffer.
   * @param {number} bytes
   * @param {string | null} etag the download's, stored with the entry
   * @param {ReadBack} readBack a copy of file bytes [from, to)
   *   from where they landed in wasm memory
   */
  async open(bytes, etag, readBack) {
    if (this.url === null) return;
    this.#target = { bytes, readBack };
    this.#writer = await this.#create(etag);
  }

  /** @param {Uint8Array} chunk the next bytes, already in wasm memory */
  async write(chunk) {
    if (this.#writer) await this.#writer.write(chunk);
  }

  /**
   * The download started over from byte 0: what was stored is dropped, and a new writer (with
   * the download's new ETag) takes the bytes again.
   * @param {string | null} etag
   */
  async restart(etag) {
    this.abort();
    if (this.#target) this.#writer = await this.#create(etag);
  }

  /** Commits the entry (the file arrived whole and was verified); a failure is a warning. */
  async finish() {
    const writer = this.#writer;
    this.#writer = null;
    if (writer) await writer.finish().catch((error) => this.#warn(error));
  }

  /** Stores nothing: the load failed, or the download restarts. */
  abort() {
    this.#writer?.abort();
    this.#writer = null;
  }

  /** @param {string | null} etag */
  async #create(etag) {
    if (this.url === null || this.#target === null) return null;
    try {
      return await createWriter(this.url, this.#target.bytes, etag, this.#target.readBack);
    } catch (error) {
      this.#warn(error);
      return null;
    }
  }

  /**
   * Reports a store's failure. Warnings are SmolLMErrors (LoadOptions.onWarning): one that is
   * not (a file system error, a short write) is passed as the EngineError that the worker
   * engine's error serialization has always made of it, so both engines report the same.
   * @param {unknown} error
   */
  #warn(error) {
    if (error instanceof SmolLMError) {
      this.onWarning(error);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.onWarning(new EngineError(message, { cause: error }));
  }
}
