// Finds a file's GGUF header in its first bytes, before anything is allocated for the file:
// chunks are kept in JS until the engine's incremental reader has the whole header, parsed
// from a temporary copy in wasm memory. Then the header says how many bytes the file holds,
// which is what the loader allocates, once. The only extra memory is the header prefix (a few
// MB).
import { InvalidModelError, ModelTooLargeError, formatBytes, fromEngineError } from '../errors.js';
import { WASM_LIMIT, allocate } from './wasm-memory.js';

/** @typedef {import('../wasm-module-types.js').SmolLMModule} SmolLMModule */
/** @typedef {import('../wasm-module-types.js').GgufHeader} GgufHeader */
/**
 * A complete header, with the engine's memory plan for the model (missing, and planError
 * saying why, when the engine cannot run it).
 * @typedef {Extract<import('../wasm-module-types.js').ProbeResult, {status: 'complete'}>} ProbedHeader
 */

// The header is parsed from prefixes that grow geometrically from here: small headers are
// checked as soon as they arrive, large ones (8 MB of vocabulary) cost a handful of parses.
export const FIRST_PROBE_BYTES = 64 * 1024;

// Memory the default context leaves free below wasm's limit.
const PLAN_MARGIN = 32 * 2 ** 20;

/** The prefix of one file, collected until it holds the whole header. */
export class HeaderProbe {
  /** @type {Uint8Array[]} */
  #chunks = [];
  #length = 0;
  // The prefix length at which the next parse can succeed (at least).
  #needed = FIRST_PROBE_BYTES;

  /**
   * @param {SmolLMModule} module
   * @param {string} name the file's name in messages
   * @param {number} contextSize the caller's contextSize (0: the model's), for the memory plan
   * @param {{ keyType?: string, valueType?: string, otherBytes?: number }} [plan] the KV
   *   cache types (default f16), and the bytes the model needs besides this part and its plan
   *   (a split model's other parts): the default context is the largest that fits beside them
   */
  constructor(module, name, contextSize, { keyType = 'f16', valueType = 'f16', otherBytes = 0 } = {}) {
    this.module = module;
    this.name = name;
    this.contextSize = contextSize;
    this.keyType = keyType;
    this.valueType = valueType;
    this.otherBytes = otherBytes;
  }

  /** Bytes of prefix held. */
  get length() { return this.#length; }

  /** The prefix length the header needs at least, as far as the last parse could tell. */
  get needed() { return this.#needed; }

  /**
   * Keeps the next chunk of the file (a copy, when the source reuses its buffer).
   * @param {Uint8Array} bytes
   * @param {boolean} fresh whether the source hands out a new buffer per chunk
   * @param {number | null} fileSize the file's size where known
   */
  add(bytes, fresh, fileSize) {
    this.#chunks.push(fresh ? bytes : bytes.slice());
    this.#length += bytes.byteLength;
    if (fileSize !== null) this.#needed = Math.min(this.#needed, fileSize);
  }

  /**
   * Whether a parse is worth its cost now. Small prefixes are parsed on every chunk, so a small
   * header is checked as soon as it is complete even if the server then pauses.
   */
  get due() {
    return this.#length >= this.#needed || this.#length < FIRST_PROBE_BYTES;
  }

  /**
   * Parses the prefix. Returns the result once the header is complete, null while it needs
   * more bytes; throws (the engine's error, as its class) for a file that is not a GGUF one.
   * @param {number | null} fileSize the file's size where known
   * @returns {ProbedHeader | null}
   */
  parse(fileSize) {
    const result = this.#probe(fileSize);
    if (result.status === 'error') throw fromEngineError(result.error, this.name);
    if (result.status === 'need_more') {
      this.#needed = Math.max(result.bytesNeeded, Math.ceil(this.#length * 1.5));
      return null;
    }
    return result;
  }

  /**
   * The prefix's chunks, in file order; the probe keeps none of them after this.
   * @returns {Uint8Array[]}
   */
  take() {
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#length = 0;
    return chunks;
  }

  /** Forgets the prefix: the source started over from byte 0. */
  reset() {
    this.#chunks = [];
    this.#length = 0;
  }

  // The prefix is copied into a temporary wasm buffer for the engine's reader.
  /** @param {number | null} fileSize */
  #probe(fileSize) {
    const module = this.module;
    const ptr = allocate(module, Math.max(1, this.#length), 'GGUF header');
    try {
      let at = ptr;
      const heap = module.HEAPU8;
      for (const c of this.#chunks) {
        heap.set(c, at);
        at += c.byteLength;
      }
      // What wasm memory can still take (as checkModel counts it), less a margin for the
      // allocator and estimates: the default context is chosen to fit in it.
      const memoryLimit = Math.max(1, WASM_LIMIT - module.HEAPU8.length - this.otherBytes - PLAN_MARGIN);
      return module.probeHeader(ptr, this.#length, fileSize ?? 0, this.contextSize, this.keyType, this.valueType,
        memoryLimit, false);
    } finally {
      module._free(ptr);
    }
  }
}

/**
 * How many bytes of a file the loader reads, from its header. `expected` is the end of its
 * tensor data: fewer bytes is a truncated file. `wanted` is what is read: up to the end of the
 * last tensor's padding (writers pad it to the alignment, and a file's published SHA-256
 * covers those bytes, so they are hashed and cached too), where the source has it.
 * @param {GgufHeader} header
 * @param {string} name
 * @param {number | null} fileSize the source's size where known
 * @returns {{expected: number, wanted: number}}
 */
export function partExtent(header, name, fileSize) {
  const expected = header.data_offset + header.data_size;
  if (fileSize !== null && fileSize < expected) {
    throw new InvalidModelError(`${name} is truncated: it has ${fileSize} bytes but its header describes ${expected}`);
  }
  const padded = Math.ceil(expected / header.alignment) * header.alignment;
  return { expected, wanted: Math.min(fileSize ?? padded, padded) };
}

/**
 * Every part's own header, the later parts of a split model included (the first part's plan
 * only knows their sizes when the server gave them): it must be the part its position says,
 * and what it describes must fit in wasm memory before anything is allocated for it.
 * @param {GgufHeader} header
 * @param {number} wanted the bytes to be read (partExtent)
 * @param {string} name
 * @param {number} index the part's position, from 0
 * @param {number} partCount
 */
export function checkPartHeader(header, wanted, name, index, partCount) {
  if (wanted >= WASM_LIMIT) {
    throw new ModelTooLargeError(wanted, WASM_LIMIT,
      `${name}: its header describes ${formatBytes(wanted)} of data, more than wasm memory can hold`);
  }
  if (index === 0) return;
  const { metadata } = header;
  if (Number(metadata['split.no']) !== index || Number(metadata['split.count']) !== partCount) {
    throw new InvalidModelError(`${name} is not part ${index + 1} of ${partCount} of this split model ` +
      `(its header says split.no ${metadata['split.no']}, split.count ${metadata['split.count']}): pass the parts in order`);
  }
}
