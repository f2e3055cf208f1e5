// Offline cache for browsers without the origin private file system (no navigator.storage:
// WebKitGTK 2.50 here; chosen by feature detection in cache/index.js). There the Cache Storage
// store (browser-cache.js) cannot stream: WebKit's Cache Storage holds a whole body in the
// tab's process both when it is put and when it is matched, so a 705 MiB model peaked at
// 3,972 MiB tab RSS on the first load and 2,187 MiB on a cached one (tests/browser/cache).
//
// Here a file is stored in IndexedDB as fixed-size chunk records, each written by its own
// transaction that the download waits for (backpressure: at most one chunk is in flight, and
// it is copied out of wasm memory, where the loader put the bytes, only when it is written),
// and read back one chunk at a time into wasm memory. The guarantees of the Cache Storage
// store hold:
// - A download's chunks are keyed by a writer id of their own; an entry record (url, bytes,
//   writer, chunk count) is written last, in one transaction that also deletes the chunks of
//   the entry it replaces, and only when the bytes written are the recorded length and the
//   loader verified them (finish() is called after its SHA-256 check). An interrupted
//   download is therefore never seen as complete, and two tabs writing one URL never mix
//   their chunks: the last commit wins, whole.
// - Every read checks each chunk's length and the total: a short or missing chunk deletes the
//   entry, and the loader downloads the file again (CachedEntryCorrupt). A read that races
//   another tab's commit of the same URL finds its chunks deleted and takes that path too:
//   it costs a download, never mixed bytes.
// - Chunks of a writer that died (tab closed mid-download) are swept once their writer record
//   was not touched for an hour.
//
// Measured with tests/browser/cache/first-load-memory (705 MiB file, WebKitGTK 2.50
// MiniBrowser, busy 2-core machine; peak RSS of the web process; `cache: false` peaks at
// 1,691 / 1,678 MiB on a first / second load):
// - ArrayBuffer records, left to the garbage collector: first load 2,397 MiB, cached 2,360 MiB
//   (8 MiB chunks; 1 MiB chunks: 2,381 / 2,368). Every chunk copied for a put and every chunk
//   read back is a fresh ArrayBuffer, and WebKit's collector let the whole file's worth of
//   them pile up in the tab.
// - ArrayBuffer records whose memory is released as soon as it was used (put cloned it, or the
//   loader copied it into wasm memory), by ArrayBuffer.prototype.transfer(0): 1,693 / 1,664
//   MiB, the figure of a load without the cache. That is what this store does.
// - Blob records: WebKit under automation (an ephemeral session) stored none (the second load
//   downloaded again), so they are not used.
import { QuotaError } from '../errors.js';
import { CachedEntryCorrupt } from './entry-corrupt.js';

/** @typedef {import('./index.js').CacheEntry} CacheEntry */
/** @typedef {import('./index.js').CacheWriter} CacheWriter */
/** @typedef {import('./index.js').ReadBack} ReadBack */
/** @typedef {import('../loader/source-types.js').ModelFileSource} ModelFileSource */
/** @typedef {import('../loader/source-types.js').SourceItem} SourceItem */

/**
 * An entries record: a committed file, whose chunks are keyed [writer, 0..chunks).
 * @typedef {object} EntryRecord
 * @property {string} url
 * @property {number} bytes
 * @property {string} etag '' when the server gave none
 * @property {number} storedAt
 * @property {string} writer
 * @property {number} chunkBytes
 * @property {number} chunks
 */
/** @typedef {{id: string, touched: number}} WriterRecord */

const DB_NAME = 'smollm-wasm-models';
const DB_VERSION = 1;
const ENTRIES = 'entries';   // keyPath url: {url, bytes, etag, storedAt, writer, chunkBytes, chunks}
const CHUNKS = 'chunks';     // key [writer, index]: ArrayBuffer or Blob of chunkBytes (the last: the rest)
const WRITERS = 'writers';   // keyPath id: {id, touched}: live (uncommitted) downloads
export const CHUNK_BYTES = 8 * 1024 * 1024;
// Whether chunks are stored as Blobs (true) or ArrayBuffers (false); see the header.
const CHUNK_AS_BLOB = false;
const STALE_AFTER_MS = 60 * 60 * 1000;

export const idbAvailable = () => typeof indexedDB === 'object' && indexedDB !== null;

/** @type {Promise<IDBDatabase> | null} */
let db = null;
/** @returns {Promise<IDBDatabase>} */
function openDb() {
  db ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const d = request.result;
      if (!d.objectStoreNames.contains(ENTRIES)) d.createObjectStore(ENTRIES, { keyPath: 'url' });
      if (!d.objectStoreNames.contains(CHUNKS)) d.createObjectStore(CHUNKS);
      if (!d.objectStoreNames.contains(WRITERS)) d.createObjectStore(WRITERS, { keyPath: 'id' });
    };
    request.onsuccess = () => {
      const d = request.result;
      // Another tab upgrading the schema: let it, and reopen next time.
      d.onversionchange = () => { d.close(); db = null; };
      resolve(d);
    };
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('the model cache database is blocked by another tab'));
  });
  db.catch(() => { db = null; });
  return db;
}

/**
 * @template T
 * @param {IDBRequest<T>} request
 * @returns {Promise<T>}
 */
const done = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

/**
 * Runs fn(stores) in one transaction and resolves with fn's result once it committed.
 * @template T
 * @param {string[]} names the object stores, each passed to fn under its name
 * @param {IDBTransactionMode} mode
 * @param {(stores: Record<string, IDBObjectStore>) => T | Promise<T>} fn
 * @returns {Promise<T>}
 */
async function transact(names, mode, fn) {
  const d = await openDb();
  return new Promise((resolve, reject) => {
    const tx = d.transaction(names, mode);
    const stores = Object.fromEntries(names.map((n) => [n, tx.objectStore(n)]));
    /** @type {T} */
    let result;
    Promise.resolve(fn(stores)).then((r) => { result = r; }, (error) => { try { tx.abort(); } catch { /* done */ } reject(error); });
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

// Frees a chunk's memory now instead of at the garbage collector's leisure (see the header).
/** @param {ArrayBufferLike} buffer */
const release = (buffer) => {
  // transfer() is ES2024, newer than the type library's target; where it is missing this is a no-op.
  try { /** @type {{transfer?: (length: number) => unknown}} */ (buffer).transfer?.(0); } catch { /* not transferable */ }
};

/** @param {string} writer */
const chunkRange = (writer) => IDBKeyRange.bound([writer, 0], [writer, Infinity]);

/**
 * @param {EntryRecord | undefined} record
 * @returns {CacheEntry | null}
 */
function entryOf(record) {
  if (!record || !(record.bytes > 0) || !record.writer) return null;
  return { url: record.url, bytes: record.bytes, etag: record.etag || null, storedAt: record.storedAt || 0 };
}

/** @implements {ModelFileSource} */
class IdbChunkSource {
  /** @param {EntryRecord} record */
  constructor(record) {
    this.url = record.url;
    this.name = record.url;
    /** @type {'cache'} */
    this.kind = 'cache';
    /** @type {number | null} */
    this.size = record.bytes;
    /** @type {string | null} */
    this.etag = record.etag || null;
    this.entry = entryOf(record);
    this.record = record;
    // Each chunk's memory is freed once the loader asks for the next, so one it keeps (the
    // header's first bytes) must be copied, as with a reused read buffer.
    this.chunksAreFresh = false;
  }

  async probeSize() {
    return this.size;
  }

  /**
   * @param {number} index
   * @returns {Promise<Uint8Array | null>} null when the chunk is missing
   */
  async readChunk(index) {
    /** @type {ArrayBuffer | Blob | undefined} */
    const value = await transact([CHUNKS], 'readonly', ({ chunks }) => done(chunks.get([this.record.writer, index])));
    if (value === undefined) return null;
    return new Uint8Array(value instanceof Blob ? await value.arrayBuffer() : value);
  }

  /**
   * Chunk i+1 is read while the loader copies chunk i: at most two chunks live in the tab.
   * @param {AbortSignal} [signal]
   * @returns {AsyncGenerator<SourceItem, void, undefined>}
   */
  async *chunks(signal) {
    const { chunks: count, chunkBytes } = this.record;
    const size = this.record.bytes;
    let offset = 0;
    /** @type {Promise<Uint8Array | null> | null} */
    let next = count > 0 ? this.readChunk(0) : null;
    for (let i = 0; i < count; ++i) {
      signal?.throwIfAborted();
      const bytes = await next;
      next = i + 1 < count ? this.readChunk(i + 1) : null;
      const expected = i + 1 < count ? chunkBytes : size - chunkBytes * (count - 1);
      if (bytes === null || bytes.byteLength !== expected) {
        next?.catch(() => {});
        await deleteEntry(this.url);
        throw new CachedEntryCorrupt(`the cached copy of ${this.url} has ${bytes === null ? 'no' : bytes.byteLength} bytes ` +
          `in chunk ${i} where ${expected} were stored`, 'its length is wrong');
      }
      yield { bytes, offset };
      offset += bytes.byteLength;
      release(bytes.buffer);   // the loader copied it into wasm memory before asking for more
    }
    if (offset !== size) {
      await deleteEntry(this.url);
      throw new CachedEntryCorrupt(`the cached copy of ${this.url} has ${offset} bytes where ${size} were stored`, 'its length is wrong');
    }
  }
}

/**
 * @param {string} url
 * @returns {Promise<IdbChunkSource | null>}
 */
export async function lookup(url) {
  if (!idbAvailable()) return null;
  /** @type {EntryRecord | undefined} */
  const record = await transact([ENTRIES], 'readonly', ({ entries }) => done(entries.get(url)));
  if (!record) return null;
  if (!entryOf(record) || !(record.chunkBytes > 0) || record.chunks !== Math.ceil(record.bytes / record.chunkBytes)) {
    await deleteEntry(url);
    return null;
  }
  return new IdbChunkSource(record);
}

/**
 * A full store as the package's QuotaError; any other failure as it is.
 * @param {unknown} error
 * @param {string} url
 * @param {number} bytes
 */
function quotaError(error, url, bytes) {
  // A DOMException in browsers; read by its name, whatever was thrown.
  if (/** @type {{name?: unknown} | null | undefined} */ (error)?.name !== 'QuotaExceededError') return error;
  return new QuotaError(`not enough storage quota to cache ${url} (${bytes} bytes): the model ` +
    'works but will be downloaded again next time; free space with cache.delete()');
}

// Deletes the chunks of writers that have not written for an hour (their tab died).
async function sweepStaleWriters() {
  /** @type {WriterRecord[]} */
  const all = await transact([WRITERS], 'readonly', ({ writers }) => done(writers.getAll()));
  const stale = all.filter((w) => Date.now() - w.touched > STALE_AFTER_MS);
  for (const w of stale) await dropWriter(w.id).catch(() => {});
}

/** @param {string} id */
const dropWriter = (id) => transact([CHUNKS, WRITERS], 'readwrite', ({ chunks, writers }) => {
  chunks.delete(chunkRange(id));
  writers.delete(id);
});

/**
 * A writer for one download (cache/index.js's CacheWriter): write(chunk) returns a promise
 * the loader awaits (the chunk record's write, once a whole chunk arrived); finish() writes
 * the rest and commits the entry. Chunks are copied out of wasm memory through readBack only
 * as they are written.
 * @param {string} url
 * @param {number} bytes
 * @param {string | null} etag
 * @param {ReadBack} readBack
 * @returns {Promise<CacheWriter | null>}
 */
export async function createWriter(url, bytes, etag, readBack) {
  if (!idbAvailable()) return null;
  await sweepStaleWriters().catch(() => {});
  const id = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  await transact([WRITERS], 'readwrite', ({ writers }) => { writers.put({ id, touched: Date.now() }); });
  let arrived = 0;
  let stored = 0;
  let index = 0;
  /** @type {unknown} */
  let failed = null;
  let finished = false;
  /** @type {Promise<void> | null} the loop storing chunks behind the download */
  let pump = null;

  /** @param {number} to stores file bytes [stored, to) as the next chunk record */
  const storeChunk = async (to) => {
    const copy = readBack(stored, to);
    const value = CHUNK_AS_BLOB ? new Blob([copy]) : copy.buffer;
    await transact([CHUNKS, WRITERS], 'readwrite', ({ chunks, writers }) => {
      chunks.put(value, [id, index]);
      writers.put({ id, touched: Date.now() });
    });
    release(copy.buffer);   // the put cloned it
    ++index;
    stored = to;
  };
  const abort = () => {
    if (finished) return;
    finished = true;
    dropWriter(id).catch(() => {});
  };

  return {
    /** @param {Uint8Array} chunk */
    // The download never waits for IndexedDB: the chunks are stored behind it by one loop
    // that reads them back from wasm memory, where the bytes already are. Waiting on each put
    // made WebKit queue the arriving body in the tab instead (a 1 GB first load peaked
    // 300-570 MiB above the cached load; 6 MiB with this loop: bench/LOAD_MEMORY.md).
    async write(chunk) {
      arrived = Math.min(bytes, arrived + chunk.byteLength);
      if (failed || pump) return;
      // pump is cleared in a then() callback, which always runs after this assignment: an
      // async body that clears it itself does so synchronously when it has no whole chunk to
      // store (a write of less than CHUNK_BYTES), before the assignment, which then leaves a
      // settled promise in pump for good: every later write returned early and finish()
      // awaited it in an endless microtask loop that froze the worker (a download arriving in
      // small pieces, as from the demo's server in WebKit, never reached "Preparing").
      pump = (async () => {
        try {
          while (!failed && !finished && arrived - stored >= CHUNK_BYTES) await storeChunk(stored + CHUNK_BYTES);
        } catch (error) {
          failed = error;
        }
      })().then(() => { pump = null; });
    },
    async finish() {
      while (pump) await pump;
      try {
        if (failed) throw quotaError(failed, url, bytes);
        if (arrived !== bytes) throw new Error(`${url} was not cached: ${arrived} bytes arrived where ${bytes} were expected`);
        if (stored < bytes) await storeChunk(bytes).catch((error) => { throw quotaError(error, url, bytes); });
        finished = true;
        // The commit: the new entry, the writer no longer live, the replaced entry's chunks gone.
        await transact([ENTRIES, CHUNKS, WRITERS], 'readwrite', async ({ entries, chunks, writers }) => {
          /** @type {EntryRecord | undefined} */
          const old = await done(entries.get(url));
          if (old?.writer && old.writer !== id) chunks.delete(chunkRange(old.writer));
          entries.put({ url, bytes, etag: etag ?? '', storedAt: Date.now(), writer: id, chunkBytes: CHUNK_BYTES, chunks: index });
          writers.delete(id);
        });
      } catch (error) {
        finished = false;
        abort();
        throw error;
      }
    },
    abort,
  };
}

/** @returns {Promise<CacheEntry[]>} */
export async function list() {
  if (!idbAvailable()) return [];
  /** @type {EntryRecord[]} */
  const records = await transact([ENTRIES], 'readonly', ({ entries }) => done(entries.getAll()));
  return records.map(entryOf).filter((e) => e !== null);
}

/** @param {string} url */
export async function has(url) {
  if (!idbAvailable()) return false;
  return Boolean(entryOf(await transact([ENTRIES], 'readonly', ({ entries }) => done(entries.get(url)))));
}

/** @param {string} url */
export async function deleteEntry(url) {
  if (!idbAvailable()) return false;
  return transact([ENTRIES, CHUNKS], 'readwrite', async ({ entries, chunks }) => {
    /** @type {EntryRecord | undefined} */
    const old = await done(entries.get(url));
    if (!old) return false;
    if (old.writer) chunks.delete(chunkRange(old.writer));
    entries.delete(url);
    return true;
  });
}

// Removes every entry and every live writer's chunks (as clear() of Cache Storage does).
export async function clear() {
  if (!idbAvailable()) return;
  await transact([ENTRIES, CHUNKS, WRITERS], 'readwrite', ({ entries, chunks, writers }) => {
    entries.clear();
    chunks.clear();
    writers.clear();
  });
}
