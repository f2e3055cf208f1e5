// Sources that are already on this machine: a File/Blob (drag and drop, <input type=file>)
// and, in Node, a file path. Both are read in slices so no whole-file buffer ever exists.
import { InvalidArgumentError } from '../errors.js';

const SLICE_BYTES = 8 * 1024 * 1024;

function unreadable(path, error) {
  const why = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a directory' }[error?.code];
  return why ? new InvalidArgumentError(`cannot read the model file ${path}: ${why}`) : error;
}

export class BlobSource {
  constructor(blob) {
    this.blob = blob;
    this.name = blob.name || 'Blob';
    this.kind = 'cache';
    this.size = blob.size;
    this.etag = null;
    this.chunksAreFresh = true;
  }

  async probeSize() {
    return this.blob.size;
  }

  async *chunks(signal) {
    for (let offset = 0; offset < this.blob.size; offset += SLICE_BYTES) {
      signal?.throwIfAborted();
      const end = Math.min(this.blob.size, offset + SLICE_BYTES);
      yield { bytes: new Uint8Array(await this.blob.slice(offset, end).arrayBuffer()), offset };
    }
  }
}

export class NodeFileSource {
  constructor(path, kind = 'cache') {
    this.path = path;
    this.name = path;
    this.kind = kind;
    this.size = null;
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
