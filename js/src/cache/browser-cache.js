// Offline cache in the browser: Cache Storage, one entry per model file keyed by its URL.
// cache.put() commits an entry only once its whole body was read, and a stored body is
// immutable, so an interrupted download never looks complete and two tabs writing or reading
// one URL never see each other's half-written bytes. The stored size is checked twice:
// finish() refuses to commit a body of any other length than the one recorded in the entry,
// and every read counts the bytes again (a short entry is deleted, and the loader downloads
// the file again).
//
// How the bytes reach the cache without a second copy in the tab (issue 19). Putting a
// stream that the download fed as fast as it arrived queued every chunk the disk had not
// taken yet: a 1.06 GB first load peaked at 2.2 GB in Chromium's renderer. Measured with
// tests/browser/cache (449 MiB file, 2-core machine, peak RSS of the tab's process; the
// cached load peaks at 597 / 583 MiB in Chromium 156 / Firefox ESR 153):
// - a put whose body is pulled from wasm memory (the bytes' one home) at the store's pace:
//   659 / 696-737 MiB. Chromium is near the cached load; Firefox not: each piece handed to
//   its cache is a fresh ArrayBuffer, and its garbage collector let 100-150 MB of them pile up.
//   (Making the download wait for the store instead is worse in Firefox: its network process
//   keeps sending, and the bytes pile up in the tab's receive pipe.)
// - a spool file in the origin private file system, written through a sync access handle
//   straight from the network's buffer, then cache.put(new Response(spoolFile)): 605 / 579
//   MiB, the cached load's figure. The browser copies the file into its cache itself, in
//   another process. It costs the copy's time after the download (Firefox ~5 s for 449 MiB
//   on the busy test machine) and, for that moment, twice the file's size of quota.
// So: the spool wherever sync access handles exist (dedicated workers, where the package
// runs its engine: Chromium, Firefox, WebKit), and the pulled stream on the page itself
// (`worker: false`). Browsers without OPFS (no navigator.storage: WebKitGTK, whose Cache
// Storage holds whole bodies in the tab) use idb-chunk-store.js instead (cache/index.js).
// OPFS alone as the store would stream as well, but would need its own
// atomic commit and locking across tabs, which Cache Storage gives for free.
import { QuotaError } from '../errors.js';
import { openBodyReader } from '../loader/body-reader.js';
import { CachedEntryCorrupt } from './entry-corrupt.js';
import { openSpool } from './opfs-spool.js';

/** @typedef {import('./index.js').CacheEntry} CacheEntry */
/** @typedef {import('./index.js').CacheWriter} CacheWriter */
/** @typedef {import('./index.js').ReadBack} ReadBack */
/** @typedef {import('./index.js').StorageUse} StorageUse */
/** @typedef {import('./opfs-spool.js').Spool} Spool */
/** @typedef {import('../loader/source-types.js').ModelFileSource} ModelFileSource */
/** @typedef {import('../loader/source-types.js').SourceItem} SourceItem */

const CACHE_NAME = 'smollm-wasm-models-v1';
const SIZE = 'x-smollm-size';
const ETAG = 'x-smollm-etag';
const STORED_AT = 'x-smollm-stored-at';

export const browserCacheAvailable = () => typeof caches === 'object' && caches !== null;

async function open() {
  if (!browserCacheAvailable()) return null;
  return caches.open(CACHE_NAME);
}

// WebKit drops an entry that a worker wrote to an in-memory (ephemeral: private browsing,
// automation) Cache Storage as soon as that worker is terminated, unless another context of
// the origin holds the cache open (tests/browser/package: WebKitGTK 2.50). The page holds it
// for its lifetime, so entries written by the engine's worker outlive the worker.
/** @type {Promise<Cache | null> | null} */
let heldOpen = null;
export function holdOpenInThisContext() {
  heldOpen ??= open().catch(() => null);
  return heldOpen;
}

/**
 * The entry a stored response records, or null when it records none (not written by us).
 * @param {string} url
 * @param {Response} response
 * @returns {CacheEntry | null}
 */
function entryOf(url, response) {
  const bytes = Number(response.headers.get(SIZE));
  if (!Number.isFinite(bytes) || bytes <= 0) return null;
  return {
    url,
    bytes,
    etag: response.headers.get(ETAG) || null,
    storedAt: Number(response.headers.get(STORED_AT)) || 0,
  };
}

/** @implements {ModelFileSource} */
class CachedResponseSource {
  /**
   * @param {string} url
   * @param {Response & {body: ReadableStream<Uint8Array>}} response the stored one
   * @param {CacheEntry} entry
   */
  constructor(url, response, entry) {
    this.url = url;
    this.name = url;
    /** @type {'cache'} */
    this.kind = 'cache';
    /** @type {number | null} */
    this.size = entry.bytes;
    /** @type {string | null} */
    this.etag = entry.etag;
    this.entry = entry;
    this.response = response;
    this.chunksAreFresh = true;   // until chunks() knows whether it reads through a reused buffer
  }

  async probeSize() {
    return this.size;
  }

  /**
   * @param {AbortSignal} [signal]
   * @returns {AsyncGenerator<SourceItem, void, undefined>}
   */
  async *chunks(signal) {
    const reader = openBodyReader(this.response.body);
    this.chunksAreFresh = !reader.reusesBuffer;
    let offset = 0;
    try {
      for (;;) {
        signal?.throwIfAborted();
        const { done, value } = await reader.read();
        if (done) break;
        yield { bytes: value, offset };
        offset += value.byteLength;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
    if (offset !== this.size) {
      await deleteEntry(this.url);
      throw new CachedEntryCorrupt(`the cached copy of ${this.url} has ${offset} bytes where ${this.size} were stored`, 'its length is wrong');
    }
  }
}

/**
 * @param {string} url
 * @returns {Promise<CachedResponseSource | null>}
 */
export async function lookup(url) {
  const cache = await open();
  const response = cache && await cache.match(url);
  if (!cache || !response || !hasBody(response)) return null;
  const entry = entryOf(url, response);
  // The stored Content-Length is the committed body's length (the writer refuses any other):
  // an entry whose two sizes disagree was not written whole by this package.
  if (!entry || Number(response.headers.get('content-length') ?? entry.bytes) !== entry.bytes) {
    await cache.delete(url);
    return null;
  }
  return new CachedResponseSource(url, response, entry);
}

/**
 * @param {Response} response
 * @returns {response is Response & {body: ReadableStream<Uint8Array>}}
 */
function hasBody(response) {
  return Boolean(response.body);
}

// The most the store is handed at once, copied out of wasm memory when it asks for more.
const PIECE_BYTES = 4 * 1024 * 1024;

/**
 * @param {number} bytes
 * @param {string | null} etag
 */
function entryHeaders(bytes, etag) {
  return {
    'content-type': 'application/octet-stream',
    'content-length': String(bytes),
    [SIZE]: String(bytes),
    [ETAG]: etag ?? '',
    [STORED_AT]: String(Date.now()),
  };
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

/**
 * @param {string} url
 * @param {number} arrived
 * @param {number} bytes
 */
function notAllArrived(url, arrived, bytes) {
  return new Error(`${url} was not cached: ${arrived} bytes arrived where ${bytes} were expected`);
}

/**
 * A writer for one download (cache/index.js's CacheWriter). In a worker the bytes go to an
 * OPFS spool file and the entry is put from it; elsewhere the put streams from wasm memory.
 * @param {string} url
 * @param {number} bytes
 * @param {string | null} etag
 * @param {ReadBack} readBack
 * @returns {Promise<CacheWriter | null>}
 */
export async function createWriter(url, bytes, etag, readBack) {
  const cache = await open();
  if (!cache) return null;
  const spool = await openSpool();
  return spool ? spooledWriter(cache, spool, url, bytes, etag) : streamedWriter(cache, url, bytes, etag, readBack);
}

// write() stores each chunk synchronously (from wherever it is: the network's buffer), so no
// copy of it outlives the call; finish() puts a Response whose body is the spool File, which
// the browser's storage backend copies without the tab reading it.
/**
 * @param {Cache} cache
 * @param {Spool} spool
 * @param {string} url
 * @param {number} bytes
 * @param {string | null} etag
 * @returns {CacheWriter}
 */
function spooledWriter(cache, spool, url, bytes, etag) {
  /** @type {unknown} */
  let failed = null;
  let done = false;
  return {
    write(chunk) {
      if (failed) return;
      try {
        spool.write(chunk);
      } catch (error) {
        failed = error;
      }
    },
    async finish() {
      done = true;
      try {
        if (failed) throw quotaError(failed, url, bytes);
        if (spool.written !== bytes) throw notAllArrived(url, spool.written, bytes);
        const file = await spool.file();
        if (file.size !== bytes) throw notAllArrived(url, file.size, bytes);
        await cache.put(url, new Response(file, { headers: entryHeaders(bytes, etag) })).catch((error) => {
          throw quotaError(error, url, bytes);
        });
      } finally {
        await spool.remove();
      }
    },
    abort() {
      if (done) return;
      done = true;
      spool.remove();
    },
  };
}

// The put's body is pulled from wasm memory through readBack, at the store's own pace and
// trailing the download, so neither the download waits for the disk nor does any chunk wait
// in a queue. Only finish() lets the body end, which commits the entry.
/**
 * @param {Cache} cache
 * @param {string} url
 * @param {number} bytes
 * @param {string | null} etag
 * @param {ReadBack} readBack
 * @returns {CacheWriter}
 */
function streamedWriter(cache, url, bytes, etag, readBack) {
  let arrived = 0;    // bytes in wasm memory
  let sent = 0;       // bytes handed to the store
  let finishing = false;
  let aborted = false;
  /** @type {((value?: unknown) => void) | null} resolves pull()'s wait for more bytes */
  let wake = null;
  const wakeUp = () => { wake?.(); wake = null; };
  /** @type {ReadableStreamDefaultController<Uint8Array> | null} */
  let control = null;
  /** @type {ReadableStream<Uint8Array>} */
  const body = new ReadableStream({
    start(controller) { control = controller; },
    async pull(controller) {
      while (!aborted && sent === arrived && !(finishing && sent === bytes)) {
        await new Promise((resolve) => { wake = resolve; });
      }
      if (aborted) return;
      if (sent === bytes) {
        controller.close();
        return;
      }
      const to = Math.min(arrived, sent + PIECE_BYTES);
      controller.enqueue(readBack(sent, to));
      sent = to;
    },
    cancel() {
      aborted = true;
      wakeUp();
    },
  }, { highWaterMark: 0 });
  const committed = cache.put(url, new Response(body, { headers: entryHeaders(bytes, etag) })).catch((error) => {
    aborted = true;
    wakeUp();
    throw quotaError(error, url, bytes);
  });
  committed.catch(() => {});
  // Errors the body, so the put fails and stores nothing.
  const abort = () => {
    if (aborted) return;
    aborted = true;
    wakeUp();
    try { control?.error(new Error('download incomplete')); } catch { /* already closed */ }
  };
  return {
    /** @param {Uint8Array} chunk */
    write(chunk) {
      arrived = Math.min(bytes, arrived + chunk.byteLength);
      wakeUp();
    },
    async finish() {
      if (arrived !== bytes) {
        abort();
        await committed.catch(() => {});
        throw notAllArrived(url, arrived, bytes);
      }
      finishing = true;
      wakeUp();
      await committed;
    },
    abort,
  };
}

/** @returns {Promise<CacheEntry[]>} */
export async function list() {
  const cache = await open();
  if (!cache) return [];
  const out = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    const entry = response && entryOf(request.url, response);
    if (entry) out.push(entry);
  }
  return out;
}

/** @param {string} url */
export async function has(url) {
  const cache = await open();
  const response = cache && await cache.match(url);
  return Boolean(response && entryOf(url, response));
}

/** @param {string} url */
export async function deleteEntry(url) {
  const cache = await open();
  return cache ? cache.delete(url) : false;
}

export async function clear() {
  if (browserCacheAvailable()) await caches.delete(CACHE_NAME);
}

/** @returns {Promise<StorageUse>} */
export async function storage() {
  const entries = await list();
  const usedBytes = entries.reduce((sum, e) => sum + e.bytes, 0);
  let quotaBytes = null;
  if (typeof navigator === 'object' && navigator.storage?.estimate) {
    const estimate = await navigator.storage.estimate();
    quotaBytes = estimate.quota ?? null;
  }
  return { usedBytes, quotaBytes };
}
