// Sources that are already on this machine: a File/Blob (drag and drop, <input type=file>)
// and, in Node, a file path. Both are read in slices so no whole-file buffer ever exists.
import { InvalidArgumentError } from '../errors.js';

const SLICE_BYTES = 8 * 1024 * 1024;

/** @typedef {import('./source-types.js').ModelFileSource} ModelFileSource */
/** @typedef {import('./source-types.js').SourceItem} SourceItem */

/** @type {Record<string, string>} */
const UNREADABLE = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a directory' };

/**
 * The error for a file that cannot be opened: the caller's mistake in words where it is one.
 * @param {string} path
 * @param {unknown} error what node:fs threw
 */
function unreadable(path, error) {
  const code = /** @type {NodeJS.ErrnoException} */ (error)?.code;
  const why = code === undefined ? undefined : UNREADABLE[code];
  return why ? new InvalidArgumentError(`cannot read the model file ${path}: ${why}`) : error;
}

/** @implements {ModelFileSource} */
export class BlobSource {
  /** @param {Blob & {name?: string}} blob a File (from <input type=file>, drag and drop) or any Blob */
  constructor(blob) {
    this.blob = blob;
    this.name = blob.name || 'Blob';
    /** @type {'cache'} */
    this.kind = 'cache';
    /** @type {number | null} */
    this.size = blob.size;
    /** @type {string | null} */
    this.etag = null;
    this.chunksAreFresh = true;
  }

  async probeSize() {
    return this.blob.size;
  }

  /**
   * @param {AbortSignal} [signal]
   * @returns {AsyncGenerator<SourceItem, void, undefined>}
   */
  async *chunks(signal) {
    for (let offset = 0; offset < this.blob.size; offset += SLICE_BYTES) {
      signal?.throwIfAborted();
      const end = Math.min(this.blob.size, offset + SLICE_BYTES);
      yield { bytes: new Uint8Array(await this.blob.slice(offset, end).arrayBuffer()), offset };
    }
  }
}

/** @implements {ModelFileSource} */
export class NodeFileSource {
  /**
   * @param {string} path
   * @param {'download' | 'cache'} [kind] the progress phase its bytes count under
   */
  constructor(path, kind = 'cache') {
    this.path = path;
    this.name = path;
    this.kind = kind;
    /** @type {number | null} */
    this.size = null;
    /** @type {string | null} */
    this.etag = null;
    // One buffer is reused for every chunk: consumers copy before pulling the next.
    this.chunksAreFresh = false;
  }

  async probeSize() {
    const { stat } = await import('node:fs/promises');
    try {
      return (await stat(this.path)).size;
    } catch (error) {
      throw unreadable(this.path, error);
    }
  }

  /**
   * @param {AbortSignal} [signal]
   * @returns {AsyncGenerator<SourceItem, void, undefined>}
   */
  async *chunks(signal) {
    const { open } = await import('node:fs/promises');
    let handle;
    try {
      handle = await open(this.path, 'r');
    } catch (error) {
      throw unreadable(this.path, error);
    }
    try {
      this.size = (await handle.stat()).size;
      const buffer = new Uint8Array(SLICE_BYTES);
      for (let offset = 0; offset < this.size;) {
        signal?.throwIfAborted();
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0) break;
        yield { bytes: buffer.subarray(0, bytesRead), offset };
        offset += bytesRead;
      }
    } finally {
      await handle.close();
    }
  }
}
