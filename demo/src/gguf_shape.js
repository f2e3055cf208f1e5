// The few GGUF header keys the KV cache's size depends on, read in JS from the file's first
// bytes, so the settings can show what each cache type and context costs before the weights
// download. The engine reads the same keys (src/model/llama_config.cpp); this reader walks
// the metadata only (never the tensor list) and stops as soon as the metadata ends.

const MAGIC = 0x46554747; // "GGUF", little-endian
// Value types of GGUF metadata: their sizes in bytes (string = 8, array = 9 are walked).
const SCALAR_BYTES = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;
// The engine's own cap on a context (kMaxContext, src/engine.cpp): a larger trained context
// is capped there too.
export const MAX_CONTEXT = 2 ** 20;

/** Thrown while the prefix ends before the metadata does; `needed`: bytes to try next. */
export class NeedMoreBytes extends Error {
  constructor(needed) {
    super(`the GGUF header needs at least ${needed} bytes`);
    this.name = 'NeedMoreBytes';
    this.needed = needed;
  }
}

class Cursor {
  constructor(bytes) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.at = 0;
  }
  need(n) {
    if (this.at + n > this.bytes.byteLength) throw new NeedMoreBytes(this.at + n);
  }
  u32() {
    this.need(4);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  u64() {
    this.need(8);
    const v = this.view.getBigUint64(this.at, true);
    this.at += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('not a valid GGUF file: a count or length is out of range');
    return Number(v);
  }
  skip(n) {
    this.need(n);
    this.at += n;
  }
  string() {
    const n = this.u64();
    this.need(n);
    const s = new TextDecoder().decode(this.bytes.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }
  // A value of `type`: numbers and strings are returned, arrays skipped (null).
  value(type) {
    if (type === STRING) return this.string();
    if (type === ARRAY) {
      const itemType = this.u32();
      const count = this.u64();
      if (itemType === STRING) {
        for (let i = 0; i < count; i++) this.skip(this.u64());
      } else if (SCALAR_BYTES[itemType]) {
        this.skip(count * SCALAR_BYTES[itemType]);
      } else {
        throw new Error(`not a valid GGUF file: an array of value type ${itemType}`);
      }
      return null;
    }
    const size = SCALAR_BYTES[type];
    if (!size) throw new Error(`not a valid GGUF file: value type ${type}`);
    this.need(size);
    const at = this.at;
    this.at += size;
    switch (type) {
      case 0: return this.view.getUint8(at);
      case 1: return this.view.getInt8(at);
      case 2: return this.view.getUint16(at, true);
      case 3: return this.view.getInt16(at, true);
      case 4: return this.view.getUint32(at, true);
      case 5: return this.view.getInt32(at, true);
      case 6: return this.view.getFloat32(at, true);
      case 7: return this.view.getUint8(at) !== 0;
      case 10: return Number(this.view.getBigUint64(at, true));
      case 11: return Number(this.view.getBigInt64(at, true));
      default: return this.view.getFloat64(at, true);
    }
  }
}

/**
 * The metadata's scalar and string values (arrays skipped) from a prefix of a GGUF file.
 * Throws NeedMoreBytes while the prefix ends inside the metadata, an Error for a file that is
 * not GGUF (v2 or v3).
 * @param {Uint8Array} bytes
 * @returns {Map<string, number | string | boolean>}
 */
export function readMetadata(bytes) {
  const c = new Cursor(bytes);
  if (c.u32() !== MAGIC) throw new Error('not a GGUF file (its first bytes are not "GGUF")');
  const version = c.u32();
  if (version !== 2 && version !== 3) throw new Error(`GGUF version ${version} is not supported (2 or 3 are)`);
  c.u64(); // tensor count
  const count = c.u64();
  const metadata = new Map();
  for (let i = 0; i < count; i++) {
    const key = c.string();
    const value = c.value(c.u32());
    if (value !== null) metadata.set(key, value);
  }
  return metadata;
}

function positiveInteger(metadata, key) {
  const v = metadata.get(key);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`the header has no usable ${key}`);
  return v;
}

/**
 * What the KV cache's size depends on, as the engine derives it (llama_config.cpp): layers,
 * the head size (attention.key_length, or embedding_length / head_count) and the K/V width
 * (head_count_kv heads, head_count when absent); plus the trained context.
 * @param {Map<string, number | string | boolean>} metadata
 * @returns {{architecture: string, layers: number, headDim: number, kvDim: number, trainedContext: number}}
 */
export function modelShape(metadata) {
  const architecture = metadata.get('general.architecture');
  if (typeof architecture !== 'string' || !architecture) throw new Error('the header has no general.architecture');
  const key = (name) => `${architecture}.${name}`;
  const layers = positiveInteger(metadata, key('block_count'));
  const heads = positiveInteger(metadata, key('attention.head_count'));
  const kvHeads = metadata.has(key('attention.head_count_kv')) ? positiveInteger(metadata, key('attention.head_count_kv')) : heads;
  const headDim = metadata.has(key('attention.key_length'))
    ? positiveInteger(metadata, key('attention.key_length'))
    : positiveInteger(metadata, key('embedding_length')) / heads;
  if (!Number.isInteger(headDim)) throw new Error(`${key('embedding_length')} is not a multiple of the head count`);
  const trainedContext = Math.min(MAX_CONTEXT, positiveInteger(metadata, key('context_length')));
  return { architecture, layers, headDim, kvDim: kvHeads * headDim, trainedContext };
}

/**
 * Reads a growing prefix of a file until its metadata is complete. `readPrefix(n)` returns
 * the file's first n bytes (fewer at its end).
 * @param {(n: number) => Promise<Uint8Array>} readPrefix
 * @param {{first?: number, limit?: number}} [sizes] the first read, and the most read in all
 */
export async function readShape(readPrefix, { first = 256 * 1024, limit = 32 * 2 ** 20 } = {}) {
  let size = first;
  for (;;) {
    const bytes = await readPrefix(size);
    try {
      return modelShape(readMetadata(bytes));
    } catch (error) {
      if (!(error instanceof NeedMoreBytes)) throw error;
      if (bytes.byteLength < size) throw new Error('the file ends inside its GGUF header');
      if (size >= limit) throw new Error(`the GGUF header is larger than ${limit} bytes`);
      // Tokenizer arrays make metadata of 1 to 2 MB (SmolLM2's: 1.77 MB): doubling reads at
      // most twice what it needs, in a handful of requests.
      size = Math.min(limit, Math.max(error.needed, size * 2));
    }
  }
}
